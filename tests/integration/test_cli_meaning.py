"""Search by meaning from the command line (issue 19), against the fake server's
embeddings (a hashed bag of words that takes synonyms for one another): off until chosen
and nothing sent before; the history embedded; a query with no word in common finds the
related message; both modes fused with the words; a change of model re-embeds; a lost
vector file is made again."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import primer
from tests.support.fake_providers import FakeProviderServer, Reply, openai_sse


def embedding_requests(fake_server: FakeProviderServer) -> list[dict]:
    return [r.body for r in fake_server.received if r.path.endswith("/embeddings")]


def test_search_by_meaning_from_the_command_line(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    chats = (("My automobile makes a noise", "Take the vehicle to a mechanic."),
             ("Best chocolate dessert?", "A flourless cake."),
             ("Plan a trip to Rome", "Three days: Colosseum, Forum, food."))  # fmt: skip
    for question, answer in chats:
        fake_server.queue(Reply(body=openai_sse([answer])))
        assert primer("ask", question, data_dir=cli_dir).returncode == 0
    off = primer("search", "car repair", "--mode", "meaning", data_dir=cli_dir)
    assert off.returncode != 0 and "Search by meaning is off" in off.stderr
    assert embedding_requests(fake_server) == []  # nothing sent before a provider is chosen
    assert "off" in primer("embeddings", "status", data_dir=cli_dir).stdout

    chosen = primer("embeddings", "use", "openai", data_dir=cli_dir)
    assert chosen.returncode == 0 and "6 messages" in chosen.stderr  # the cost, before
    assert embedding_requests(fake_server) == []  # (nothing sent until rebuilt)
    built = primer("embeddings", "rebuild", "--wait", data_dir=cli_dir)
    assert built.returncode == 0 and "6 message(s) embedded" in built.stderr
    sent = embedding_requests(fake_server)
    assert sent and all(b["model"] == "text-embedding-3-small" and b["dimensions"] == 128
                        for b in sent)  # fmt: skip
    assert "6 messages embedded, 0 waiting" in primer("embeddings", "status",
                                                      data_dir=cli_dir).stdout  # fmt: skip
    assert (cli_dir / "vectors.db").exists()

    # No word in common with "car repair", yet the automobile chat comes first.
    words = json.loads(primer("search", "car repair", "--mode", "words", "--json",
                              data_dir=cli_dir).stdout)  # fmt: skip
    assert words == []
    meaning = json.loads(primer("search", "car repair", "--mode", "meaning", "--json",
                                data_dir=cli_dir).stdout)  # fmt: skip
    assert meaning[0]["chat_title"] == "My automobile makes a noise"
    assert meaning[0]["score"] > meaning[-1]["score"]
    both = json.loads(primer("search", "cake", "--json", data_dir=cli_dir).stdout)  # both
    assert both[0]["chat_title"] == "Best chocolate dessert?" and both[0]["score"] > 0
    only = json.loads(primer("search", "car repair", "--mode", "meaning", "--role", "user",
                             "--json", data_dir=cli_dir).stdout)  # fmt: skip
    assert {hit["role"] for hit in only} == {"user"}  # the same filters

    # A new message waits; a new model embeds everything again; a lost file is remade.
    fake_server.queue(Reply(body=openai_sse(["Check the engine oil."])))
    assert primer("ask", "What about the motor?", data_dir=cli_dir).returncode == 0
    assert "2 waiting" in primer("embeddings", "status", data_dir=cli_dir).stdout
    assert primer("embeddings", "use", "openai", "--model", "text-embedding-3-large",
                  data_dir=cli_dir).returncode == 0  # fmt: skip
    assert "8 waiting" in primer("embeddings", "status", data_dir=cli_dir).stdout
    assert "8 message(s) embedded" in primer("embeddings", "rebuild", data_dir=cli_dir).stderr
    (cli_dir / "vectors.db").write_bytes(b"not a database at all" * 100)
    assert "8 waiting" in primer("embeddings", "status", data_dir=cli_dir).stdout
    assert primer("embeddings", "rebuild", "--wait", data_dir=cli_dir).returncode == 0
    again = json.loads(primer("search", "car repair", "--mode", "meaning", "--json",
                              data_dir=cli_dir).stdout)  # fmt: skip
    assert again[0]["chat_title"] in ("My automobile makes a noise", "What about the motor?")

    assert primer("embeddings", "use", "off", data_dir=cli_dir).returncode == 0
    before = len(embedding_requests(fake_server))
    assert primer("search", "car", "--json", data_dir=cli_dir).returncode == 0  # words only
    assert len(embedding_requests(fake_server)) == before


def test_imported_history_titles_notes_and_files_are_found_by_meaning(
    cli_dir: Path, fake_server: FakeProviderServer, tmp_path: Path
) -> None:
    """What a person rediscovers: a chat imported from another app (its messages two years
    old, so stored with older times than the newest embedded), a chat's title, a note and
    an attached file's text are all embedded and found by meaning; `similar` finds the
    imported chat from a new one, never the same chat."""
    recipe = tmp_path / "grandma.txt"
    recipe.write_text("Melt cocoa with butter, then bake forty minutes.", encoding="utf-8")
    fake_server.queue(Reply(body=openai_sse(["Noted."])))
    assert primer("ask", "--attach", str(recipe), "Keep this", data_dir=cli_dir).returncode == 0
    fake_server.queue(Reply(body=openai_sse(["Three days: Colosseum, Forum, food."])))
    asked = primer("ask", "My automobile makes a noise", data_dir=cli_dir)
    chat_id = asked.stderr.split("chat ")[1].split()[0]
    question = json.loads(primer("show", chat_id, "--json", data_dir=cli_dir).stdout)
    question_id = question["messages"][0]["id"]
    reply_id = question["messages"][1]["id"]
    assert primer("embeddings", "use", "openai", data_dir=cli_dir).returncode == 0
    assert primer("embeddings", "rebuild", "--wait", data_dir=cli_dir).returncode == 0

    export = tmp_path / "claude.json"
    export.write_text(json.dumps([{
        "uuid": "0f7c2a51-3c7e-4c62-9d0e-6e1f0a8d2b11", "name": "Weekend errands",
        "created_at": "2024-03-02T09:00:00Z", "updated_at": "2024-03-02T09:05:00Z",
        "chat_messages": [
            {"uuid": "5a8e1f44-0b7a-4d0e-8f52-0c7b9b2e4c01", "sender": "human",
             "text": "My vehicle's engine rattles when cold", "files": [], "attachments": [],
             "created_at": "2024-03-02T09:00:00Z", "updated_at": "2024-03-02T09:00:00Z"},
            {"uuid": "5a8e1f44-0b7a-4d0e-8f52-0c7b9b2e4c02", "sender": "assistant",
             "text": "A mechanic should look at the motor mounts.", "files": [],
             "attachments": [], "created_at": "2024-03-02T09:01:00Z",
             "updated_at": "2024-03-02T09:01:00Z"}]}]))  # fmt: skip
    assert primer("import", str(export), data_dir=cli_dir).returncode == 0
    assert "2 waiting" in primer("embeddings", "status", data_dir=cli_dir).stdout
    noted = primer("note", reply_id, "add", "Bake a dessert for the trip", data_dir=cli_dir)
    assert noted.returncode == 0, noted.stderr
    assert primer("embeddings", "rebuild", "--wait", data_dir=cli_dir).returncode == 0
    assert "0 waiting" in primer("embeddings", "status", data_dir=cli_dir).stdout

    def meaning(query: str) -> list[dict]:
        found = primer("search", query, "--mode", "meaning", "--json", data_dir=cli_dir)
        assert found.returncode == 0, found.stderr
        return json.loads(found.stdout)

    repair = meaning("car repair")
    assert "Weekend errands" in {hit["chat_title"] for hit in repair}  # the imported chat
    errands = meaning("errands for the weekend")
    assert (errands[0]["chat_title"], errands[0]["message_id"]) == ("Weekend errands", None)
    cake = [hit["snippet"] for hit in meaning("chocolate cake")]
    assert "Note: Bake a dessert for the trip" in " ".join(cake)
    assert any(s.startswith("grandma.txt: Melt cocoa") for s in cake)

    similar = primer("similar", question_id, "--json", data_dir=cli_dir)
    assert similar.returncode == 0, similar.stderr
    like = json.loads(similar.stdout)
    assert like[0]["chat_title"] == "Weekend errands"
    assert chat_id not in {hit["chat_id"] for hit in like}


def test_gemini_embeds_through_the_genai_sdk(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    """Gemini's embeddings (batchEmbedContents, asked for 128 values), through the real
    google-genai SDK against the fake server."""
    fake_server.queue(Reply(body=openai_sse(["Take the vehicle to a mechanic."])))
    assert primer("ask", "My automobile makes a noise", data_dir=cli_dir).returncode == 0
    gemini = {"GEMINI_API_KEY": "gm-test-key-123456", "GOOGLE_GEMINI_BASE_URL": fake_server.url}
    chosen = primer("embeddings", "use", "gemini", data_dir=cli_dir, env=gemini)
    assert chosen.returncode == 0 and "gemini gemini-embedding-001" in chosen.stderr
    built = primer("embeddings", "rebuild", "--wait", data_dir=cli_dir, env=gemini)
    assert built.returncode == 0, built.stderr
    asked = [r for r in fake_server.received if ":batchEmbedContents" in r.path]
    assert asked and "gemini-embedding-001" in asked[0].path
    assert {q["outputDimensionality"] for r in asked for q in r.body["requests"]} == {128}
    found = primer("search", "car repair", "--mode", "meaning", "--json", data_dir=cli_dir,
                   env=gemini)  # fmt: skip
    assert json.loads(found.stdout)[0]["chat_title"] == "My automobile makes a noise"


def test_a_long_reply_is_shown_from_its_chunk_nearest(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    """A long reply is embedded a chunk at a time; found by meaning, its snippet is the
    chunk nearest to the query, not the reply's start."""
    long = "Preface " * 260 + "Then take the automobile to a mechanic."  # (2,000 chars on)
    fake_server.queue(Reply(body=openai_sse([long])))
    assert primer("ask", "Some advice please", data_dir=cli_dir).returncode == 0
    assert primer("embeddings", "use", "openai", data_dir=cli_dir).returncode == 0
    assert primer("embeddings", "rebuild", "--wait", data_dir=cli_dir).returncode == 0
    found = primer("search", "car repair", "--mode", "meaning", "--json", data_dir=cli_dir)
    (reply,) = [hit for hit in json.loads(found.stdout) if hit["role"] == "assistant"]
    assert reply["snippet"].startswith("…Preface") and "automobile" in reply["snippet"]
