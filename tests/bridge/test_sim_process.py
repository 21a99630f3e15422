"""The simulated phone in its own process: the ``balcao sim`` CLI on it, and a SIGKILL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bridge.sim_helpers import PhoneProcess, run_cli
from tests.harness import wait_until

QUIET = {"rate": 0, "delivery_delay": 0, "read_delay": 0, "initial_sync": False}
CUSTOMER = "5511987654321@s.whatsapp.net"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def phone(data_dir: Path) -> Iterator[PhoneProcess]:
    process = PhoneProcess(data_dir / "devices" / "1" / "sim", **QUIET).start()
    yield process
    process.stop()


def messages(events: list[dict]) -> list[dict]:
    return [e for e in events if e["type"] == "message"]


def test_cli_drives_the_running_phone(phone: PhoneProcess, data_dir: Path) -> None:
    sent = run_cli(data_dir, "send", "--from", "+55 11 98765-4321", "--text", "Oi, tem pão?",
                   "--count", "2")  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert "2 mensagem(ns)" in sent.stdout
    got = messages(phone.take(2))
    assert [(e["chat"], e["body"], e["from_me"]) for e in got] == [
        (CUSTOMER, "Oi, tem pão?", False)
    ] * 2

    for _ in range(2):
        receipt = phone.call("send", client_id="c-1", wa_id="W-1", chat=CUSTOMER, body="Temos!")
        assert receipt["pending"] is False
    received = run_cli(data_dir, "received", "--json", via="bridge")
    assert received.returncode == 0, received.stderr
    assert json.loads(received.stdout) == [
        {"client_id": "c-1", "wa_id": "W-1", "to": CUSTOMER, "text": "Temos!", "copies": 1}
    ]

    assert run_cli(data_dir, "offline", via="bridge").returncode == 0
    assert phone.call("send", client_id="c-2", wa_id="W-2", chat=CUSTOMER, body="Já vai")["pending"]
    status = run_cli(data_dir, "status", "--json", via="bridge")
    assert json.loads(status.stdout)["pending"] == 1
    assert json.loads(status.stdout)["online"] is False

    online = run_cli(data_dir, "online")
    assert online.returncode == 0, online.stderr
    assert "com sinal" in online.stdout
    events = phone.take(7)
    statuses = [(e["wa_ids"], e["status"]) for e in events if e["type"] == "receipt"]
    assert (["W-2"], "sent") in statuses
    assert statuses.index((["W-2"], "sent")) < statuses.index((["W-2"], "read"))
    assert phone.call("status") == {"pending": 0, "online": True}

    speed = run_cli(data_dir, "speed", "--rate", "3", "--read-delay", "30", via="bridge")
    assert speed.returncode == 0, speed.stderr
    assert "3 mensagens/min" in speed.stdout
    settings = json.loads(run_cli(data_dir, "status", "--json", via="bridge").stdout)["settings"]
    assert settings == {"rate": 3.0, "delivery_delay": 0.0, "read_delay": 30.0}


def test_cli_errors_are_clear(phone: PhoneProcess, data_dir: Path, tmp_path: Path) -> None:
    bad = run_cli(data_dir, "send", "--from", "12345", "--text", "oi", via="bridge")
    assert bad.returncode == 2
    assert "Número de telefone inválido" in bad.stderr

    nobody = run_cli(tmp_path / "elsewhere", "status")
    assert nobody.returncode == 1
    assert "Nenhum celular simulado em execução em" in nobody.stderr
    assert str(tmp_path / "elsewhere" / "devices" / "1" / "sim") in nobody.stderr

    other_device = run_cli(data_dir, "status", "--device", "2", via="bridge")
    assert other_device.returncode == 1
    assert "devices/2/sim" in other_device.stderr


def test_a_killed_phone_loses_nothing(data_dir: Path) -> None:
    state = data_dir / "devices" / "1" / "sim"
    first = PhoneProcess(state, **QUIET).start()
    try:
        burst = run_cli(data_dir, "burst", "--count", "5", "--from", "11987654321", via="bridge")
        assert burst.returncode == 0, burst.stderr
        taken = first.take(2)
        assert run_cli(data_dir, "offline", via="bridge").returncode == 0
        first.call("send", client_id="c-9", wa_id="W-9", chat=CUSTOMER, body="Na fila")
        first.kill()
    finally:
        first.stop()
    assert (state / "control.json").exists()
    stale = run_cli(data_dir, "status", via="bridge")
    assert stale.returncode == 1
    assert "Nenhum celular simulado" in stale.stderr

    second = PhoneProcess(state, **QUIET).start()
    try:
        assert second.call("status") == {"pending": 1, "online": False}
        again = second.take(5)  # the one taken last was never acknowledged: it comes again
        customer = [e["wa_id"] for e in messages(taken + again) if not e["from_me"]]
        assert len(set(customer)) == 5
        assert messages(again)[0]["wa_id"] == taken[1]["wa_id"]
        assert run_cli(data_dir, "online", via="bridge").returncode == 0
        sent = [e for e in second.take(4) if e["type"] == "receipt" and e["status"] == "sent"]
        assert sent[0]["wa_ids"] == ["W-9"]
        received = json.loads(run_cli(data_dir, "received", "--json", via="bridge").stdout)
        assert [(r["wa_id"], r["copies"]) for r in received] == [("W-9", 1)]
        wait_until(lambda: second.call("status")["pending"] == 0, what="queue drained")
    finally:
        second.stop()
    wait_until(lambda: not (state / "control.json").exists(), what="control.json removed")
