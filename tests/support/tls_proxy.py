"""TLS in front of the test PostgreSQL, as a TLS-terminating pooler (Supabase's) gives it.

The embedded server is built without SSL. This answers a client's SSLRequest, speaks TLS
to it with a certificate made for the run, and passes the bytes to the plain server, so
the tests see the real client side: libpq's sslmode, certificate checks and errors.
"""

from __future__ import annotations

import datetime
import ipaddress
import select
import socket
import ssl
import struct
import threading
from pathlib import Path

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    certificate_file, key_file = folder / "server.crt", folder / "server.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_file, key_file


class TlsTerminator:
    def __init__(self, backend: tuple[str, int], certificate: Path, key: Path) -> None:
        self._backend = backend
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(certificate, key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            first = _read_exactly(client, 8)
            while struct.unpack("!II", first)[1] in (SSL_REQUEST, GSSENC_REQUEST):
                if struct.unpack("!II", first)[1] == GSSENC_REQUEST:
                    client.sendall(b"N")  # no GSS encryption; the client asks again
                    first = _read_exactly(client, 8)
                    continue
                client.sendall(b"S")
                client = self._context.wrap_socket(client, server_side=True)
                first = b""
                break
            backend = socket.create_connection(self._backend)
            backend.sendall(first)
            _relay(client, backend)
        except (OSError, ssl.SSLError, struct.error):
            client.close()


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        piece = connection.recv(size - len(data))
        if not piece:
            raise OSError("closed")
        data += piece
    return data


def _relay(client: socket.socket, backend: socket.socket) -> None:
    peers = {client: backend, backend: client}
    try:
        while True:
            readable, _, _ = select.select(list(peers), [], [])
            for source in readable:
                data = source.recv(65536)
                if not data:
                    return
                # TLS may hold decrypted bytes that select() does not see.
                while isinstance(source, ssl.SSLSocket) and source.pending():
                    data += source.recv(source.pending())
                peers[source].sendall(data)
    except (OSError, ssl.SSLError):
        return
    finally:
        client.close()
        backend.close()
