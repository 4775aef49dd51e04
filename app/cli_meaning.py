"""`primer embeddings use PROVIDER [--model M] [--base-url URL]` (or `use off`): who turns
text into vectors for search by meaning; `primer embeddings status`; `primer embeddings
rebuild [--wait]`: embed what is not embedded yet (all of it after a change of model)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

from domain.errors import PrimerError

Handler = Callable[[argparse.Namespace, Path], int]


def add_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> dict[str, Handler]:
    embeddings = commands.add_parser(
        "embeddings",
        parents=[common],
        help="search by meaning: choose who embeds your history, see how far it is",
        description="Off until a provider is chosen: nothing is sent for it before. The "
        "vectors live beside the store (vectors.db), not in the backup.",
    )
    actions = embeddings.add_subparsers(dest="action", metavar="ACTION", required=True)
    use = actions.add_parser("use", parents=[common], help="choose the provider (or off)")
    use.add_argument("provider", metavar="PROVIDER|off")
    use.add_argument("--model", metavar="M", help="the embedding model (local servers: needed)")
    use.add_argument("--base-url", metavar="URL", help="an OpenAI-compatible server's URL")
    actions.add_parser("status", parents=[common], help="what is embedded, what is waiting")
    rebuild = actions.add_parser("rebuild", parents=[common], help="embed what is waiting")
    rebuild.add_argument("--wait", action="store_true",
                         help="return when the index is complete (here, always)")  # fmt: skip
    return {"embeddings": _embeddings}


def _embeddings(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    primer = build_for_terminal(data_dir)
    if args.action == "use":
        return _use(primer, args)
    if args.action == "status":
        status = primer.index_meaning.status()
        if status.key is None:
            print("Search by meaning is off (primer embeddings use PROVIDER).")
        else:
            print(f"{status.key}: {status.embedded:,} messages embedded, "
                  f"{status.waiting:,} waiting.")  # fmt: skip
        return 0

    def progress(done: int, total: int) -> None:
        print(f"\rEmbedding: {done:,} of {total:,} messages", end="", file=sys.stderr)

    try:
        done = primer.index_meaning(progress)
    except PrimerError:
        print(file=sys.stderr)  # (the progress line ends before the error's sentence)
        raise
    print(f"\r{done:,} message(s) embedded; the index is complete.", file=sys.stderr)
    return 0


def _use(primer: object, args: argparse.Namespace) -> int:
    from app.bootstrap import Primer
    from app.embeddings import what_it_takes
    from app.settings import EmbeddingChoice, ProviderConfig
    from domain.meaning import DEFAULT_MODELS

    assert isinstance(primer, Primer)
    settings = primer.settings
    if args.provider == "off":
        primer.apply_settings(dataclasses.replace(settings, embeddings=None))
        print("Search by meaning is off; nothing more is sent for it.", file=sys.stderr)
        return 0
    if args.base_url:
        settings = settings.with_provider(
            ProviderConfig(args.provider, "openai_compatible", args.base_url)
        )
    config = settings.provider(args.provider)
    if config is None:
        raise PrimerError(f"Unknown provider “{args.provider}”: give --base-url for a local "
                          "server, or use openai, gemini, ollama, lmstudio.")  # fmt: skip
    model = args.model or DEFAULT_MODELS.get(config.kind)
    if not model:
        raise PrimerError(f"Name the embedding model of {args.provider} with --model "
                          "(for Ollama, say, nomic-embed-text).")  # fmt: skip
    primer.apply_settings(
        dataclasses.replace(settings, embeddings=EmbeddingChoice(args.provider, model))
    )
    status = primer.index_meaning.status()
    sent = what_it_takes(primer.providers, args.provider, model, status)
    print(f"Search by meaning uses {args.provider} {model}. Embedding your history: {sent}: "
          "run `primer embeddings rebuild --wait`.", file=sys.stderr)  # fmt: skip
    return 0
