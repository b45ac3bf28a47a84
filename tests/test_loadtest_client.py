"""The load test's small HTTP client (scripts/loadtest.py, ``LeanClient``) against a scripted
server: cookies kept and removed, keep-alive reused, chunked bodies, forms and files sent, and
a timed-out request leaves no connection open."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest

from tests.scripts import load_script

loadtest = load_script("loadtest")

ANSWERS = {
    b"/login": (
        b"HTTP/1.1 302 Found\r\nLocation: /\r\n"
        b"Set-Cookie: sessionid=abc; HttpOnly; Path=/\r\nSet-Cookie: csrftoken=xyz; Path=/\r\n"
        b"Content-Length: 0\r\n\r\n"
    ),
    b"/logout": (
        b'HTTP/1.1 200 OK\r\nSet-Cookie: sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; '
        b"Max-Age=0; Path=/\r\nContent-Length: 2\r\n\r\nok"
    ),
    b"/chunked": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"
    ),
}


async def _serve(seen: list[bytes], connections: list[int]) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length)
                seen.append(head + body)
                path = head.split(b" ")[1]
                if path == b"/silent":
                    await asyncio.sleep(1)  # never answers in time
                    return
                answer = ANSWERS.get(path)
                if answer is None:
                    text = b'{"path": "' + path + b'"}'
                    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(text), text)
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_the_lean_client_speaks_enough_http_for_the_load_test() -> None:
    async def scenario() -> None:
        seen: list[bytes] = []
        connections: list[int] = []
        server = await _serve(seen, connections)
        port = server.sockets[0].getsockname()[1]
        client = loadtest.LeanClient(f"http://127.0.0.1:{port}", timeout=2.0)
        login = await client.post("/login", data={"email": "a@example.com", "password": "x y"})
        assert login.status_code == 302 and login.headers["location"] == "/"
        assert client.cookies == {"sessionid": "abc", "csrftoken": "xyz"}
        assert b"email=a%40example.com&password=x+y" in seen[-1]
        answer = await client.get("/api/v1/me")
        assert answer.json() == {"path": "/api/v1/me"}
        assert b"Cookie: sessionid=abc; csrftoken=xyz" in seen[-1]
        assert (await client.get("/chunked")).text == "hello, world"
        await client.post("/api/v1/diary/pain", json={"pain_nrs": 2})
        assert seen[-1].endswith(b'{"pain_nrs": 2}') and b"application/json" in seen[-1]
        await client.post("/upload", data={"note": "n"}, files={"files": ("a.gpx", b"<gpx/>", "x")})
        assert b'filename="a.gpx"' in seen[-1] and b"<gpx/>" in seen[-1]
        assert len(connections) == 1  # one kept-alive connection for all of these
        await client.get("/logout")
        assert client.cookies == {"csrftoken": "xyz"}
        client.timeout = 0.2
        with pytest.raises(TimeoutError):
            await client.get("/silent")
        await client.aclose()
        server.close()
        await server.wait_closed()

    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        asyncio.run(scenario())
        gc.collect()  # an unclosed connection would warn here
