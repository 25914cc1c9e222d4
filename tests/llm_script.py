"""A scripted OpenAI-compatible chat endpoint on loopback that misbehaves on purpose.

Each request takes the next ``Reply`` (the last one repeats): its text streamed in pieces as server-sent
events, as llama-server, Ollama and OpenAI send them, or a failure: a status code, a stall, broken JSON,
a stream cut off mid-answer.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    first_delay: float = 0.0  # seconds before the first byte of the answer
    piece_delay: float = 0.0  # between pieces
    pieces: int = 0  # 0: one piece per word
    broken_after: int | None = None  # send this many pieces, then a line that is not JSON
    cut_after: int | None = None  # send this many pieces, then close without finishing
    plain_json: bool = False  # answer with one JSON completion, not a stream (as a non-streaming server does)


class ScriptedLLM:
    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies) or [Reply("I don't know.")]
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.sent: list[int] = []  # per request, the pieces of text written before it ended or the client left
        script = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                script.requests.append(body)
                script.headers.append(dict(self.headers))
                reply = script.replies[min(len(script.requests), len(script.replies)) - 1]
                if reply.first_delay:
                    time.sleep(reply.first_delay)
                if reply.status != 200:
                    data = json.dumps({"error": {"message": "scripted failure", "type": "server_error"}}).encode()
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if reply.plain_json:
                    message = {"role": "assistant", "content": reply.text}
                    data = json.dumps(
                        {
                            "id": "scripted",
                            "object": "chat.completion",
                            "created": 0,
                            "model": "scripted",
                            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        }
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                words = reply.text.split(" ")
                size = max(1, -(-len(words) // reply.pieces)) if reply.pieces else 1
                pieces = [" ".join(words[i : i + size]) + " " for i in range(0, len(words), size)]
                pieces[-1] = pieces[-1].rstrip()
                script.sent.append(0)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client went away
                    self._stream(reply, pieces)

            def _stream(self, reply: Reply, pieces: list[str]) -> None:
                for i, piece in enumerate(pieces):
                    if reply.broken_after is not None and i == reply.broken_after:
                        self._event('{"choices": [{"delta": {"content": "oops"')
                        return
                    if reply.cut_after is not None and i == reply.cut_after:
                        return  # the connection closes: no finish_reason, no [DONE]
                    self._event(json.dumps(_chunk({"content": piece}, None)))
                    script.sent[-1] += 1
                    if reply.piece_delay:
                        time.sleep(reply.piece_delay)
                self._event(json.dumps(_chunk({}, "stop")))
                self._event("[DONE]")

            def _event(self, data: str) -> None:
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "scripted",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
