"""What the tests and the benchmarks share to build their world (a real PostgreSQL); not
part of Primer and not shipped."""
