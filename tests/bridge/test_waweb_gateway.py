"""The neonize edge offline: the pinned library loads without a download, a client is made
without network and without files outside its session folder, the session is private,
and the gateway refuses what it cannot do instead of reaching Go without a session."""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bridge.drivers.waweb import gateway as g
from tests.bridge import waweb_events as w
from tests.harness import packages_loaded

REPO = Path(__file__).resolve().parents[2]


def test_importing_the_gateway_imports_neither_neonize_nor_the_appliance() -> None:
    """neonize is imported only by load_neonize, after the library check."""
    assert packages_loaded("import bridge.drivers.waweb.gateway", {"neonize", "appliance"}) == []


def test_the_bundled_library_is_the_version_neonize_demands() -> None:
    assert importlib.metadata.version("neonize") == g.NEONIZE_VERSION
    assert g.library_path().is_file()
    assert g.expected_library_version() == g.NEONIZE_VERSION
    assert g.check_library() == g.NEONIZE_VERSION


def _fake_neonize(root: Path, declared: str, library: bool) -> Path:
    package = root / "neonize"
    package.mkdir()
    (package / "download.py").write_text(f'__GONEONIZE_VERSION__ = "{declared}"\n')
    if library:
        (package / g.library_path().name).write_bytes(b"not a library")
    return package


@pytest.mark.parametrize(
    ("declared", "library", "error"),
    [
        (g.NEONIZE_VERSION, False, "is missing"),
        ("0.5.3", True, "Balcão pins 0.5.2"),
        (g.NEONIZE_VERSION, True, "does not load"),
    ],
    ids=["no library", "another neonize", "a broken library"],
)
def test_a_library_neonize_would_replace_is_refused_before_neonize_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, declared: str, library: bool, error: str
) -> None:
    package = _fake_neonize(tmp_path, declared, library)
    monkeypatch.setattr(g, "_package_dir", lambda: package)
    with pytest.raises(g.LibraryError, match=error):
        g.check_library()


PROBE = r"""
import json, os, sys
from pathlib import Path

root = Path(sys.argv[1])
network, writes, programs = [], [], []
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND
# urllib3's import binds a socket to ::1 to learn whether IPv6 works: local, allowed.
OUTWARD = {"connect", "getaddrinfo", "gethostbyname", "gethostbyaddr", "sendto", "sendmsg"}


def audit(event, args):
    if event.startswith("socket.") and event.removeprefix("socket.") in OUTWARD:
        network.append(event)
        raise OSError("no network here")
    if event == "open":
        path, mode, flags = args
        if isinstance(path, (str, bytes)) and (
            (mode and any(c in mode for c in "wax+")) or (flags or 0) & WRITE
        ):
            writes.append(os.fsdecode(path))
    if event == "subprocess.Popen":
        programs.append(" ".join(map(os.fsdecode, args[1])))


sys.addaudithook(audit)
from bridge.drivers.waweb.gateway import new_client

async_client = new_client(root / "session", uuid="probe")
from neonize.client import NewClient

sync_client = NewClient(str(root / "session" / "other.db"), uuid="probe-sync")
print(json.dumps({"network": network, "writes": writes, "programs": programs}))
"""


def test_making_clients_reaches_no_network_and_writes_only_the_session(tmp_path: Path) -> None:
    for folder in ("cwd", "home", "tmp"):
        (tmp_path / folder).mkdir()
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "TMPDIR": str(tmp_path / "tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(REPO),
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        cwd=tmp_path / "cwd",
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["network"] == []
    session = tmp_path / "session" / g.SESSION_FILE
    assert [Path(p) for p in seen["writes"] if not p.startswith("/dev/")] == [session]
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert made == [Path("session") / g.SESSION_FILE]
    assert session.stat().st_size == 0  # neonize opens it only when it connects
    # neonize's import runs these, and nothing else: python-magic finding libmagic and
    # neonize naming its library (neonize/utils/platform.py).
    assert set(seen["programs"]) <= {"/sbin/ldconfig -p", "/bin/sh -c uname -a"}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_session_is_private_before_and_after_whatsmeow_opens_it(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        client = g.new_client(tmp_path / "session", uuid="private-test")
        session = g.session_path(tmp_path / "session")
        assert client.name == str(session)
        assert (_mode(tmp_path / "session"), _mode(session)) == (0o700, 0o600)
        # whatsmeow creates its tables when it opens the store; this opens it offline.
        module = g.load_neonize()
        assert module.ClientFactory.get_all_devices_from_db(str(session)) == []
    finally:
        os.umask(old)
    assert session.stat().st_size > 0
    assert _mode(session) == 0o600
    assert [p.name for p in (tmp_path / "session").iterdir()] == [g.SESSION_FILE]


def test_a_session_path_neonize_cannot_put_in_a_uri_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="URI"):
        g.new_client(tmp_path / "loja?1", uuid="uri-test")


@pytest.fixture
def gateway(tmp_path: Path) -> g.NeonizeGateway:
    return g.NeonizeGateway(g.new_client(tmp_path / "session", uuid="gateway-test"))


def test_the_neonize_gateway_is_a_gateway(gateway: g.NeonizeGateway) -> None:
    assert isinstance(gateway, g.Gateway)
    assert not gateway.chooses_message_id
    assert not gateway.requests_history


CALLS: dict[str, Any] = {
    "logout": lambda gw: gw.logout(),
    "pair_phone": lambda gw: gw.pair_phone("+55 21 99000-1234"),
    "send": lambda gw: gw.send(w.CUSTOMER, w.text("oi")),
    "upload": lambda gw: gw.upload(b"jpeg", g.MediaKind.IMAGE),
    "download": lambda gw: gw.download(w.image()),
    "mark_read": lambda gw: gw.mark_read(w.CUSTOMER, ["3A01"]),
    "profile_picture": lambda gw: gw.profile_picture(w.CUSTOMER),
    "group_info": lambda gw: gw.group_info(w.GROUP),
    # GetMe and GetPNFromLID abort the process when Go has no client for the uuid.
    "me": lambda gw: gw.me(),
    "phone_for_lid": lambda gw: gw.phone_for_lid(w.CUSTOMER_LID),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_calls_before_connect_are_refused_before_reaching_go(
    gateway: g.NeonizeGateway, call: Any
) -> None:
    with pytest.raises(g.NotConnectedError):
        await call(gateway)


async def test_disconnect_before_connect_does_nothing(gateway: g.NeonizeGateway) -> None:
    await gateway.disconnect()


async def test_what_neonize_cannot_do_is_refused(gateway: g.NeonizeGateway) -> None:
    with pytest.raises(g.UnsupportedError, match="message id"):
        await gateway.send(w.CUSTOMER, w.text("oi"), message_id="3EB0B4A1C2D3E4F5")
    with pytest.raises(g.UnsupportedError, match="peer message"):
        await gateway.request_history(w.CUSTOMER, "3A01", False, w.T0, 50)


def test_the_history_request_is_whatsmeow_s() -> None:
    message = g.history_request(w.CUSTOMER, "3A01", True, w.T0)
    protocol = message.protocolMessage
    assert protocol.type == protocol.PEER_DATA_OPERATION_REQUEST_MESSAGE
    operation = protocol.peerDataOperationRequestMessage
    assert operation.peerDataOperationRequestType == w.e2e.HISTORY_SYNC_ON_DEMAND
    request = operation.historySyncOnDemandRequest
    assert (request.chatJID, request.oldestMsgID, request.oldestMsgFromMe) == (
        w.CUSTOMER,
        "3A01",
        True,
    )
    assert request.onDemandMsgCount == g.HISTORY_PAGE == 50
    assert request.oldestMsgTimestampMS == w.T0  # seconds, despite the name


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        (w.CUSTOMER, ("5521987654321", 0, 0, "s.whatsapp.net", False)),
        (w.CUSTOMER_LID, ("123456789012345", 0, 0, "lid", False)),
        (w.GROUP, ("120363025246125486", 0, 0, "g.us", False)),
        ("5521990001234:12@s.whatsapp.net", ("5521990001234", 0, 12, "s.whatsapp.net", False)),
        ("123456789012345.1:3@lid", ("123456789012345", 1, 3, "lid", False)),
        ("", ("", 0, 0, "", True)),
    ],
    ids=["phone", "lid", "group", "device", "agent", "empty"],
)
def test_jids_parse_and_print_as_whatsmeow_does(text: str, fields: tuple[Any, ...]) -> None:
    jid = g.parse_jid(text)
    assert (jid.User, jid.RawAgent, jid.Device, jid.Server, jid.IsEmpty) == fields
    assert jid.IsInitialized()
    assert g.jid_text(jid) == text


class Recorder:
    """Stands in for neonize's async client: answers each method from ``answers`` and
    checks every call binds to the signature of neonize 0.5.2's own method."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.module = g.load_neonize()

    @property
    def is_connected(self) -> Any:
        async def answer() -> bool:
            return bool(self.answers.get("is_connected", True))

        return answer()

    def __getattr__(self, name: str) -> Any:
        async def call(*args: Any, **kwargs: Any) -> Any:
            inspect.signature(getattr(self.module.NewAClient, name)).bind(None, *args, **kwargs)
            self.calls.append((name, args, kwargs))
            answer = self.answers.get(name)
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


async def connected(**answers: Any) -> tuple[g.NeonizeGateway, Recorder]:
    client = Recorder(connect=asyncio.get_running_loop().create_future(), **answers)
    gateway = g.NeonizeGateway(client)  # type: ignore[arg-type]
    await gateway.connect()
    assert client.calls == [("connect", (), {})]
    client.calls.clear()
    return gateway, client


async def test_send_hands_neonize_the_jid_and_the_message() -> None:
    response = w.nz.SendResponse(ID="3EB0D1", Timestamp=w.T0)
    gateway, client = await connected(send_message=response)
    sent = await gateway.send(w.CUSTOMER_LID, w.text("oi"))
    assert sent == g.Sent(id="3EB0D1", at=w.T0)
    [(name, args, _)] = client.calls
    assert name == "send_message"
    assert args == (w.jid(w.CUSTOMER_LID), w.text("oi"))


async def test_upload_returns_what_a_media_message_carries() -> None:
    response = w.nz.UploadResponse(
        url="https://mmg.whatsapp.net/x.enc",
        DirectPath="/v/x.enc",
        MediaKey=b"k" * 32,
        FileEncSHA256=b"e" * 32,
        FileSHA256=b"s" * 32,
        FileLength=4,
    )
    gateway, client = await connected(upload=response)
    uploaded = await gateway.upload(b"webp", g.MediaKind.STICKER)
    assert uploaded == g.Uploaded(
        url="https://mmg.whatsapp.net/x.enc",
        direct_path="/v/x.enc",
        media_key=b"k" * 32,
        file_enc_sha256=b"e" * 32,
        file_sha256=b"s" * 32,
        file_length=4,
    )
    [(_, args, _)] = client.calls
    assert args[1].name == "MediaImage"  # whatsmeow uploads stickers as images


async def test_an_expired_file_is_media_gone() -> None:
    from neonize.exc import DownloadError

    gone = DownloadError("failed to download: download failed with status code 410")
    gateway, _ = await connected(download_any=gone)
    with pytest.raises(g.MediaGoneError):
        await gateway.download(w.image())


async def test_marking_read_names_no_sender_in_a_one_to_one_chat() -> None:
    gateway, client = await connected()
    await gateway.mark_read(w.CUSTOMER, ["3A01", "3A02"], at=w.T0)
    [(_, args, kwargs)] = client.calls
    assert args == ("3A01", "3A02")
    assert kwargs["chat"] == w.jid(w.CUSTOMER)
    assert kwargs["sender"].IsEmpty
    assert (kwargs["receipt"].name, kwargs["timestamp"]) == ("READ", w.T0)


async def test_no_profile_picture_is_none() -> None:
    from neonize.exc import GetProfilePictureError

    hidden = GetProfilePictureError(
        w.nz.GetProfilePictureReturnFunction(
            Error="that user or group does not have a profile picture"
        )
    )
    gateway, _ = await connected(get_profile_picture=hidden)
    assert await gateway.profile_picture(w.CUSTOMER) is None


async def test_a_group_with_its_participants() -> None:
    info = w.nz.GroupInfo(
        JID=w.jid(w.GROUP),
        GroupName=w.nz.GroupName(Name="Clientes VIP"),
        Participants=[
            w.nz.GroupParticipant(
                JID=w.jid(w.MEMBER_LID),
                LID=w.jid(w.MEMBER_LID),
                PhoneNumber=w.jid(w.MEMBER),
                DisplayName="Carlos",
                IsAdmin=False,
                IsSuperAdmin=True,
            )
        ],
    )
    gateway, _ = await connected(get_group_info=info)
    assert await gateway.group_info(w.GROUP) == g.Group(
        jid=w.GROUP,
        subject="Clientes VIP",
        participants=(
            g.Participant(
                jid=w.MEMBER_LID, phone=w.MEMBER, lid=w.MEMBER_LID, name="Carlos", admin=True
            ),
        ),
    )


async def test_me_and_the_lid_map_only_while_connected() -> None:
    device = w.nz.Device(JID=w.jid(w.SHOP), LID=w.jid(w.SHOP_LID), PushName="Vila Cell")
    gateway, _ = await connected(
        get_me=device, get_pn_from_lid=w.jid(w.CUSTOMER), is_connected=True
    )
    assert await gateway.me() == g.Me(
        jid=w.SHOP, lid=w.SHOP_LID, push_name="Vila Cell", platform=""
    )
    assert await gateway.phone_for_lid(w.CUSTOMER_LID) == w.CUSTOMER
    offline, client = await connected(is_connected=False)
    with pytest.raises(g.NotConnectedError):
        await offline.me()
    assert client.calls == []


async def test_the_pair_code_is_asked_for_the_number_s_digits() -> None:
    gateway, client = await connected(PairPhone="ABCD-EFGH")
    assert await gateway.pair_phone("+55 (21) 99000-1234") == "ABCD-EFGH"
    [(_, args, _)] = client.calls
    assert args == ("5521990001234", True)


async def test_a_send_refused_for_want_of_a_socket_is_not_connected() -> None:
    """whatsmeow's ErrNotConnected comes before anything is sent: the driver may retry."""
    from neonize.exc import SendMessageError

    gateway, _ = await connected(send_message=SendMessageError("websocket not connected"))
    with pytest.raises(g.NotConnectedError):
        await gateway.send(w.CUSTOMER, w.text("oi"))
    gateway, _ = await connected(send_message=SendMessageError("context deadline exceeded"))
    with pytest.raises(g.GatewayError) as raised:
        await gateway.send(w.CUSTOMER, w.text("oi"))
    assert not isinstance(raised.value, g.NotConnectedError)


@pytest.mark.parametrize(
    "url",
    [
        "http://pps.whatsapp.net/v/t61/foto.jpg",
        "https://example.com/foto.jpg",
        "https://pps.whatsapp.net.example.com/foto.jpg",
        "file:///etc/passwd",
    ],
)
async def test_only_whatsapp_s_own_https_urls_are_downloaded(
    gateway: g.NeonizeGateway, url: str
) -> None:
    with pytest.raises(g.GatewayError, match="not a WhatsApp URL"):
        await gateway.download_url(url, 1024)
