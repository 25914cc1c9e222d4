"""A small fake of Discord for tests: its REST API as a function, Discord-shaped payloads, two ways to drive the bot.

- `Harness`: the bot's real connection state is fed payloads in-process (parse_guild_create,
  parse_interaction_create, parse_message_create) and its REST calls go to `FakeDiscord.handle`.
- `FakeDiscordServer`: the same API plus a gateway websocket on loopback, for the real `bot.start(token)`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import discord

BOT_ID = 900000000000000001
APP_ID = BOT_ID
GUILD_ID = 800000000000000001
CHANNEL_ID = 700000000000000001
OTHER_CHANNEL_ID = 700000000000000002
ADMIN_ROLE_ID = 810000000000000001
ALICE = 600000000000000001
BOB = 600000000000000002
OTHER_BOT = 600000000000000099
TIMESTAMP = "2026-11-23T10:00:00.000000+00:00"
MANAGE_GUILD = str(1 << 5)
NO_PERMISSIONS = "0"
MESSAGE_CONTENT_FLAG = 1 << 18


def user(user_id: int, name: str | None = None, bot: bool = False) -> dict[str, Any]:
    name = name or f"user{user_id % 1000}"
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
    }


def member(
    user_id: int, roles: list[int] | None = None, permissions: str | None = None, bot: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": user(user_id, bot=bot),
        "roles": [str(r) for r in roles or []],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
    }
    if permissions is not None:
        data["permissions"] = permissions
    return data


def text_channel(channel_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def thread_channel(thread_id: int, parent_id: int, name: str, owner_id: int = BOT_ID) -> dict[str, Any]:
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": str(GUILD_ID),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": TIMESTAMP,
            "locked": False,
        },
        "flags": 0,
    }


def guild() -> dict[str, Any]:
    everyone = {
        "id": str(GUILD_ID),
        "name": "@everyone",
        "permissions": str((1 << 10) | (1 << 11) | (1 << 31)),  # view, send, use application commands
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    admins = dict(everyone, id=str(ADMIN_ROLE_ID), name="news-admins", position=1)
    return {
        "id": str(GUILD_ID),
        "name": "Newsroom",
        "icon": None,
        "owner_id": str(ALICE),
        "roles": [everyone, admins],
        "channels": [text_channel(CHANNEL_ID, "news"), text_channel(OTHER_CHANNEL_ID, "random")],
        "members": [member(BOT_ID, bot=True)],
        "threads": [],
        "member_count": 3,
        "emojis": [],
        "stickers": [],
        "features": [],
        "unavailable": False,
        "large": False,
        "joined_at": TIMESTAMP,
        "voice_states": [],
        "presences": [],
        "premium_tier": 0,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "system_channel_flags": 0,
        "preferred_locale": "en-US",
    }


class FakeDiscord:
    """Discord's REST API for one bot, as a function of (method, path, json body); records every call."""

    def __init__(self, message_content: bool = True, reject_token: bool = False) -> None:
        self.message_content = message_content
        self.reject_token = reject_token
        self.calls: list[tuple[str, str, Any]] = []
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.gateway_url = ""
        self._ids = itertools.count(500000000000000001)

    def next_id(self) -> int:
        return next(self._ids)

    # -- payloads the tests send in

    def message(
        self,
        content: str,
        author: int = ALICE,
        channel_id: int = CHANNEL_ID,
        mentions_bot: bool = False,
        bot_author: bool = False,
        embeds: list[dict[str, Any]] | None = None,
        in_guild: bool = True,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.next_id()),
            "channel_id": str(channel_id),
            "author": user(author, bot=bot_author),
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [user(BOT_ID, "newsbot", bot=True)] if mentions_bot else [],
            "mention_roles": [],
            "attachments": [],
            "embeds": embeds or [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        if in_guild:
            data["guild_id"] = str(GUILD_ID)
            data["member"] = {k: v for k, v in member(author, bot=bot_author).items() if k != "user"}
        self.messages.setdefault(channel_id, []).append(data)
        return data

    def slash(
        self,
        name: str,
        options: dict[str, str] | None = None,
        user_id: int = ALICE,
        permissions: str = NO_PERMISSIONS,
        roles: list[int] | None = None,
        channel_id: int = CHANNEL_ID,
    ) -> dict[str, Any]:
        return self._interaction(
            2,
            {
                "id": str(self.next_id()),
                "name": name,
                "type": 1,
                "options": [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()],
            },
            user_id,
            permissions,
            roles,
            channel_id,
        )

    def click(self, custom_id: str, message: dict[str, Any], user_id: int = ALICE) -> dict[str, Any]:
        payload = self._interaction(
            3, {"custom_id": custom_id, "component_type": 2}, user_id, NO_PERMISSIONS, None, int(message["channel_id"])
        )
        payload["message"] = message
        return payload

    def _interaction(
        self, kind: int, data: dict[str, Any], user_id: int, permissions: str, roles: list[int] | None, channel_id: int
    ) -> dict[str, Any]:
        interaction_id = self.next_id()
        return {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "token": f"interaction-token-{interaction_id}",
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(channel_id),
            "channel": text_channel(channel_id, "news"),
            "member": member(user_id, roles, permissions),
            "data": data,
            "app_permissions": str((1 << 11) | (1 << 14) | (1 << 35) | (1 << 38)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
        }

    # -- the REST API

    def handle(self, method: str, path: str, body: Any, params: dict[str, Any] | None = None) -> Any:
        self.calls.append((method, path, body))
        parts = path.strip("/").split("/")
        if method == "GET" and path == "/users/@me":
            if self.reject_token:
                raise PermissionError("401: Unauthorized")
            return user(BOT_ID, "newsbot", bot=True)
        if method == "GET" and path == "/oauth2/applications/@me":
            return {
                "id": str(APP_ID),
                "name": "newsbot",
                "icon": None,
                "description": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user(ALICE),
                "summary": "",
                "verify_key": "0" * 64,
                "team": None,
                "flags": MESSAGE_CONTENT_FLAG if self.message_content else 0,
            }
        if method == "GET" and path == "/gateway/bot":
            return {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
            }
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            return [
                dict(
                    c, id=str(self.next_id()), application_id=str(APP_ID), version="1", default_member_permissions=None
                )
                for c in body
            ]
        if method == "POST" and parts[0] == "interactions":
            kind = body.get("type")
            resource: dict[str, Any] = {"type": kind}
            if kind == 4:
                resource["message"] = self._bot_message(CHANNEL_ID, body.get("data") or {})
            return {
                "interaction": {
                    "id": parts[1],
                    "type": 2,
                    "response_message_id": None,
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool((body.get("data") or {}).get("flags", 0) & 64),
                },
                "resource": resource,
            }
        if method == "POST" and parts[0] == "webhooks":
            return self._bot_message(CHANNEL_ID, body or {})
        if method == "PATCH" and parts[0] == "webhooks":
            return self._bot_message(CHANNEL_ID, body or {})
        if parts[0] == "channels":
            channel_id = int(parts[1])
            if method == "POST" and parts[2:] == ["typing"]:
                return None
            if method == "POST" and parts[2:] == ["messages"]:
                return self._bot_message(channel_id, body or {}, store=True)
            if method == "PATCH" and len(parts) == 4 and parts[2] == "messages":
                return dict(self._bot_message(channel_id, body or {}), id=parts[3])
            if method == "POST" and len(parts) == 5 and parts[4] == "threads":
                thread = thread_channel(int(parts[3]), channel_id, body["name"])  # a thread's id is its message's
                self.channels[int(parts[3])] = thread
                return thread
            if method == "GET" and parts[2:] == ["messages"]:
                before = int((params or {}).get("before") or 1 << 63)
                limit = int((params or {}).get("limit") or 50)
                return [m for m in reversed(self.messages.get(channel_id, [])) if int(m["id"]) < before][:limit]
        raise AssertionError(f"the fake Discord API has no route for {method} {path}")

    def _bot_message(self, channel_id: int, body: dict[str, Any], store: bool = False) -> dict[str, Any]:
        data = {
            "id": str(self.next_id()),
            "channel_id": str(channel_id),
            "author": user(BOT_ID, "newsbot", bot=True),
            "content": body.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
            "components": body.get("components") or [],
        }
        if store:
            self.messages.setdefault(channel_id, []).append(data)
        return data

    # -- what the tests look at

    def sent(self) -> list[tuple[str, str, Any]]:
        """Calls that put something in front of people (messages, follow-ups, interaction responses)."""
        return [
            c
            for c in self.calls
            if c[0] in ("POST", "PATCH")
            and (c[1].startswith(("/webhooks", "/interactions")) or c[1].endswith("/messages"))
        ]


class Harness:
    """The bot's real discord.py state, fed payloads in-process; REST goes to a FakeDiscord."""

    def __init__(self, bot: Any, fake: FakeDiscord, monkeypatch: Any) -> None:
        self.bot = bot
        self.fake = fake

        async def rest(route: Any, *, files: Any = None, form: Any = None, **kwargs: Any) -> Any:
            return self._call(route, kwargs.get("json"), kwargs.get("params"))

        async def webhook(
            adapter: Any, route: Any, session: Any, *, payload: Any = None, multipart: Any = None, **kwargs: Any
        ) -> Any:
            if payload is None and multipart:
                payload = json.loads(multipart[0]["value"])
            return self._call(route, payload, kwargs.get("params"))

        monkeypatch.setattr(bot.http, "request", rest)
        monkeypatch.setattr(discord.webhook.async_.AsyncWebhookAdapter, "request", webhook)

    def _call(self, route: Any, body: Any, params: dict[str, Any] | None) -> Any:
        path = urlparse(str(route.url)).path.split("/api/v10", 1)[-1]
        return self.fake.handle(route.method, path, body, params)

    async def start(self) -> None:
        await self.bot.login("test-token")
        self.bot._connection.parse_guild_create(guild())

    async def interaction(self, payload: dict[str, Any]) -> None:
        self.bot._connection.parse_interaction_create(payload)
        await self.settle()

    async def message(self, payload: dict[str, Any]) -> None:
        self.bot._connection.parse_message_create(payload)
        await self.settle()

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until every task the event started (and the threads they wait on) has finished."""
        current = asyncio.current_task()
        watcher = getattr(self.bot, "_watcher", None)  # runs until the bot closes
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            pending = [t for t in asyncio.all_tasks() if t is not current and t is not watcher and not t.done()]
            if not pending:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"tasks still running after {timeout} s: {pending}")
            await asyncio.sleep(0.01)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def _json(data: Any, status: int = 200) -> Any:
    """discord.py decodes a body only when Content-Type is exactly application/json (no charset)."""
    from aiohttp import web

    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


class FakeDiscordServer:
    """FakeDiscord's REST API and a gateway websocket on a loopback port, for the real `bot.start(token)`."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.identify: dict[str, Any] | None = None
        self.ready = asyncio.Event()
        self.posted = asyncio.Condition()
        self._ws: Any = None
        self._seq = itertools.count(1)
        self._runner: Any = None
        self.port = 0

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.fake.gateway_url = f"ws://127.0.0.1:{self.port}/gateway"

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _rest(self, request: Any) -> Any:
        from aiohttp import web

        body = await request.json() if request.can_read_body and request.content_type == "application/json" else None
        try:
            result = self.fake.handle(request.method, "/" + request.match_info["tail"], body, dict(request.query))
        except AssertionError as exc:
            return _json({"message": str(exc), "code": 0}, status=404)
        except PermissionError:
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        async with self.posted:
            self.posted.notify_all()
        if result is None:
            return web.Response(status=204)
        return _json(result)

    async def _gateway(self, request: Any) -> Any:
        from aiohttp import web

        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for msg in ws:
            data = json.loads(msg.data)
            if data["op"] == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif data["op"] == 2:
                self.identify = data["d"]
                await self.dispatch(
                    "READY",
                    {
                        "v": 10,
                        "user": user(BOT_ID, "newsbot", bot=True),
                        "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                        "session_id": "fake-session",
                        "resume_gateway_url": self.fake.gateway_url,
                        "application": {
                            "id": str(APP_ID),
                            "flags": MESSAGE_CONTENT_FLAG if self.fake.message_content else 0,
                        },
                        "private_channels": [],
                    },
                )
                await self.dispatch("GUILD_CREATE", guild())
                self.ready.set()
        return ws

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self._ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def wait_for_call(self, predicate: Any, timeout: float = 60.0) -> tuple[str, str, Any]:
        """The first recorded REST call matching ``predicate``, waiting for it if need be."""

        def found() -> Any:
            return next((c for c in self.fake.calls if predicate(c)), None)

        async with self.posted:
            await asyncio.wait_for(self.posted.wait_for(found), timeout)
        return found()


async def mention_then_follow_up(bot: Any, harness: Harness, fake: FakeDiscord, question: str, follow_up: str) -> int:
    """An @mention that opens a thread, then a follow-up in that thread (no mention); the thread's id."""
    first = fake.message(f"<@{BOT_ID}> {question}", mentions_bot=True)
    await harness.message(first)
    thread_id = int(first["id"])
    server = bot.get_guild(int(first["guild_id"]))
    assert server is not None
    server._add_thread(discord.Thread(guild=server, state=bot._connection, data=fake.channels[thread_id]))
    await harness.message(fake.message(follow_up, channel_id=thread_id))
    return thread_id
