"""The Python client against the real gradwell host."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

import gradwell
from conftest import TINY_LAYERS, require_host

HOST_PATH = require_host()  # skips this module when there is no host executable


# ---- starting and finding the host


def test_initialize(host: gradwell.Host) -> None:
    info = host.initialize()
    assert info["name"] == "gradwell"
    assert info["protocol"] == 1
    assert "train" in info["methods"]
    assert "float32" in info["dtypes"]


def test_find_host_explicit_path_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "no-such-gradwell"
    with pytest.raises(gradwell.HostNotFound) as caught:
        gradwell.Host(missing)
    assert str(missing) in str(caught.value)
    monkeypatch.setenv("GRADWELL_HOST", HOST_PATH)
    assert gradwell.find_host() == os.path.abspath(HOST_PATH)
    monkeypatch.setenv("GRADWELL_HOST", str(missing))
    with pytest.raises(gradwell.HostNotFound, match="GRADWELL_HOST"):
        gradwell.find_host()


def test_host_not_found_names_every_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gradwell._discovery as module
    monkeypatch.delenv("GRADWELL_HOST", raising=False)
    monkeypatch.setattr(module, "_PACKAGE_DIR", tmp_path / "pkg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(gradwell.HostNotFound) as caught:
        gradwell.find_host()
    searched = caught.value.searched
    assert "$GRADWELL_HOST (not set)" in searched
    assert str(tmp_path / "cli/.build/release/gradwell") in searched
    assert str(tmp_path / "cli/.build/debug/gradwell") in searched
    assert searched[-1] == "'gradwell' on PATH"
    assert str(tmp_path / "cli/.build/release/gradwell") in str(caught.value)


def test_build_folder_found_from_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gradwell._discovery as module
    monkeypatch.delenv("GRADWELL_HOST", raising=False)
    monkeypatch.setattr(module, "_PACKAGE_DIR", tmp_path / "elsewhere")
    debug = tmp_path / "repo/cli/.build/debug/gradwell"
    debug.parent.mkdir(parents=True)
    debug.symlink_to(HOST_PATH)
    (tmp_path / "repo/sub/dir").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "repo/sub/dir")
    assert gradwell.find_host() == str(tmp_path / "repo/cli/.build/debug/gradwell")


# ---- errors, one per code


def test_parse_error_from_raw_garbage(host: gradwell.Host) -> None:
    with pytest.raises(gradwell.ParseError) as caught:
        host._send_raw(b"this is not json")
    assert caught.value.code == -32700
    assert isinstance(caught.value, gradwell.RPCError)
    assert isinstance(caught.value, gradwell.GradwellError)
    assert host.initialize()["name"] == "gradwell"  # still serving


def test_invalid_request_from_raw_object(host: gradwell.Host) -> None:
    with pytest.raises(gradwell.InvalidRequest) as caught:
        host._send_raw(b'{"no": "method"}')
    assert caught.value.code == -32600


def test_method_not_found(host: gradwell.Host) -> None:
    with pytest.raises(gradwell.MethodNotFound) as caught:
        host.call("no/such/method")
    error = caught.value
    assert error.code == -32601
    assert "no/such/method" in error.message
    assert error.method == "no/such/method"


def test_invalid_params_has_path_and_expected(host: gradwell.Host) -> None:
    with pytest.raises(gradwell.InvalidParams) as caught:
        host.create_model("m", input="two", layers=TINY_LAYERS)  # type: ignore[arg-type]
    error = caught.value
    assert error.code == -32602
    assert error.path == "params.input"
    assert error.expected
    assert error.data["path"] == "params.input"


def test_unknown_component_lists_available(host: gradwell.Host) -> None:
    with pytest.raises(gradwell.UnknownComponent) as caught:
        host.generate("d", "no_such_generator", n=10)
    error = caught.value
    assert error.code == -32001
    assert error.kind == "generator"
    assert "moons" in error.available


def test_not_found(tiny: gradwell.Host) -> None:
    with pytest.raises(gradwell.NotFound) as caught:
        tiny.evaluate("no_such_model", "d")
    assert caught.value.code == -32003
    assert "m" in caught.value.available


def test_resource_limit(host: gradwell.Host) -> None:
    with pytest.raises(gradwell.ResourceLimit) as caught:
        host.create_model("huge", input=10**7, layers=[{"type": "dense", "units": 10**7}])
    assert caught.value.code == -32002
    assert caught.value.path


def test_line_too_long_is_routed_to_its_caller() -> None:
    # The host answers an over-long line with id null; the client gives it to the right call.
    # (binary=False: else inline would send a payload over the line limit as .npy files.)
    with gradwell.Host(HOST_PATH, args=["--max-line-bytes", "2000"], timeout=30) as host:
        rows = [[0.5, 0.25]] * 400
        with pytest.raises(gradwell.ResourceLimit):
            host.inline("big", rows, [0] * 400, binary=False)
        assert host.inline("small", rows[:4], [0, 1, 0, 1])["n"] == 4


def test_io_error_has_path(host: gradwell.Host, tmp_path: Path) -> None:
    missing = tmp_path / "missing-model.json"
    with pytest.raises(gradwell.RPCError) as caught:
        host.load_model("m", missing)
    # The contract lists a missing file under both -32003 and -32004; this host says -32004.
    assert caught.value.code in (-32003, -32004)
    if isinstance(caught.value, gradwell.HostIOError):
        assert caught.value.path == str(missing)


def test_error_attributes_name_what_the_protocol_sends(host: gradwell.Host, tmp_path: Path) -> None:
    with pytest.raises(gradwell.ParseError) as parse:
        host._send_raw(b'{"jsonrpc": "2.0", "id": 1, "method": }')
    assert parse.value.line == 1 and parse.value.column and parse.value.position
    with pytest.raises(gradwell.NotFound) as missing:
        host.evaluate("nothing", "nothing")
    assert missing.value.kind in ("model", "data set") and missing.value.name == "nothing"
    with pytest.raises(gradwell.MethodNotFound) as unknown:
        host.call("no/such")
    assert unknown.value.requested_method == "no/such" and "initialize" in unknown.value.available
    with pytest.raises(gradwell.HostIOError) as io:
        host.load("d", tmp_path / "absent.csv")
    assert io.value.errno == 2 and io.value.path == str(tmp_path / "absent.csv")
    with pytest.raises(gradwell.ResourceLimit) as limit:
        host.create_model("huge", input=10**7, layers=[{"type": "dense", "units": 10**7}])
    assert isinstance(limit.value.limit, int) and limit.value.requested and limit.value.requested > limit.value.limit


def test_split_and_normalize_take_the_protocols_options(host: gradwell.Host) -> None:
    host.generate("all", "moons", n=200, seed=2)
    parts = host.split("all", {"train": 0.8, "dev": 0.2}, seed=1, stratify=True)
    assert parts
    assert host.normalize("train")["name"] == "train"  # stats_from defaults to the set itself
    assert host.normalize("dev", stats_from="train")["stats_from"] == "train"


def test_relative_paths_under_a_data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    root.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with gradwell.Host(HOST_PATH, args=["--data-root", str(root)], timeout=30) as host:
        host.generate("d", "moons", n=50)
        host.create_model("m", input=2, layers=TINY_LAYERS)
        host.save("m", "m.json")  # taken from the root, not from this process's directory
        assert (root / "m.json").exists() and not (elsewhere / "m.json").exists()
        host.load_model("again", "m.json")
    # Without a root, a relative path is this process's, made absolute before it is sent.
    with gradwell.Host(HOST_PATH, timeout=30) as host:
        host.generate("d", "moons", n=50)
        host.create_model("m", input=2, layers=TINY_LAYERS)
        host.save("m", "here.json")
    assert (elsewhere / "here.json").exists()


def test_nan_is_refused_before_sending(host: gradwell.Host) -> None:
    with pytest.raises(ValueError, match="NaN"):
        host.inline("d", [[float("nan"), 1.0]], [0])
    assert host.initialize()["name"] == "gradwell"


def test_error_mapping_for_every_code() -> None:
    for code, cls in gradwell.errors.ERROR_CLASSES.items():
        error = gradwell.error_from_response({"code": code, "message": "m", "data": {"path": "p"}})
        assert type(error) is cls and error.code == code and error.data == {"path": "p"}
    cancelled = gradwell.error_from_response({"code": -32005, "message": "c",
                                              "data": {"epochs": 3, "steps": 4, "cost": 0.5}})
    assert isinstance(cancelled, gradwell.Cancelled)
    assert (cancelled.epochs, cancelled.steps, cancelled.cost) == (3, 4, 0.5)
    unknown = gradwell.error_from_response({"code": -32099, "message": "other"})
    assert type(unknown) is gradwell.RPCError and unknown.data == {}


# ---- training, streaming


def test_train_streams_metrics_to_on_metric(tiny: gradwell.Host) -> None:
    seen: List[Dict[str, Any]] = []
    result = tiny.train("m", "d", epochs=50, on_metric=seen.append, optimizer={"type": "gd", "lr": 0.5})
    assert isinstance(result, gradwell.TrainResult)
    assert result["epochs"] == 50 and result.epochs == 50
    assert [m["epoch"] for m in seen] == list(range(50))
    assert result.metrics == seen
    assert all(isinstance(m["cost"], float) for m in seen)
    assert 0.0 <= result.accuracy <= 1.0
    assert result.metrics.column("epoch")[-1] == 49
    evaluation = tiny.evaluate("m", "d")
    assert evaluation["n"] == 200
    assert evaluation["accuracy"] == pytest.approx(result.accuracy)


def test_train_iter_yields_metrics_then_result(tiny: gradwell.Host) -> None:
    it = tiny.train_iter("m", "d", epochs=50, optimizer={"type": "gd", "lr": 0.5})
    assert isinstance(it.request_id, int)
    epochs = [metric["epoch"] for metric in it]
    assert epochs == list(range(50))
    assert it.result is not None and it.result.epochs == 50
    assert len(it.result.metrics) == 50
    with pytest.raises(StopIteration) as stop:
        next(it)
    assert stop.value.value is it.result


def test_metrics_to_dataframe(tiny: gradwell.Host) -> None:
    pytest.importorskip("pandas")
    frame = tiny.train("m", "d", epochs=5).metrics.to_dataframe()
    assert list(frame["epoch"]) == [0, 1, 2, 3, 4]


def test_cancel_a_running_train(tiny: gradwell.Host) -> None:
    it = tiny.train_iter("m", "d", epochs=10**7, report_every=1000)
    first = next(it)
    assert first["epoch"] == 0
    acknowledgement = tiny.cancel(it.request_id, timeout=30)
    assert acknowledgement["acknowledged"] is True
    with pytest.raises(gradwell.Cancelled) as caught:
        for _ in it:
            pass
    assert caught.value.code == -32005
    assert caught.value.epochs is not None and 0 < caught.value.epochs < 10**7
    assert tiny.evaluate("m", "d")["n"] == 200  # the model keeps its last finished step


def test_on_metric_exception_cancels_training(tiny: gradwell.Host) -> None:
    def stop(metric: Dict[str, Any]) -> None:
        if metric["epoch"] >= 2000:
            raise KeyError("enough")

    with pytest.raises(KeyError):
        tiny.train("m", "d", epochs=10**7, report_every=1000, on_metric=stop)
    start = time.monotonic()
    assert tiny.initialize()["name"] == "gradwell"
    assert time.monotonic() - start < 10  # the training was really cancelled


def test_leaving_train_iter_early_cancels(tiny: gradwell.Host) -> None:
    with tiny.train_iter("m", "d", epochs=10**7, report_every=1000) as it:
        assert next(it)["epoch"] == 0
    start = time.monotonic()
    assert tiny.evaluate("m", "d")["n"] == 200
    assert time.monotonic() - start < 10


def test_raw_notification_then_raw_garbage(host: gradwell.Host) -> None:
    # A notification is never answered (this host writes a bare `null` line for it, which the
    # client ignores); a raw line that gets no answer must not swallow a later one.
    host._send_raw(b'{"jsonrpc":"2.0","method":"initialize"}', expect_response=False)
    with pytest.raises(gradwell.CallTimeout):
        host._send_raw(b'{"jsonrpc":"2.0","method":"initialize"}', timeout=0.3)
    with pytest.raises(gradwell.ParseError):
        host._send_raw(b"{oops")
    assert not host.stray_lines


def test_general_notification_callback(tiny: gradwell.Host) -> None:
    received: List[str] = []
    tiny.on_notification = lambda method, params: received.append(method)
    tiny.train("m", "d", epochs=3)
    assert received == ["metric"] * 3


def test_predict_lists_and_numpy(tiny: gradwell.Host) -> None:
    tiny.train("m", "d", epochs=20, optimizer={"type": "gd", "lr": 0.5})
    rows = [[0.0, 0.5], [1.0, -0.5], [2.0, 0.0]]
    plain = tiny.predict("m", rows)
    assert isinstance(plain["y"], list) and len(plain["y"]) == 3
    assert len(plain["probabilities"]) == 3 and len(plain["probabilities"][0]) == 1
    numpy = pytest.importorskip("numpy")
    arrays = tiny.predict("m", numpy.asarray(rows))
    assert isinstance(arrays["y"], numpy.ndarray) and arrays["y"].shape == (3,)
    assert arrays["probabilities"].shape == (3, 1)
    assert arrays["y"].tolist() == plain["y"]
    # numpy inputs to inline are accepted too
    assert tiny.inline("np", numpy.asarray(rows), numpy.asarray([0, 1, 1]))["n"] == 3


def test_save_and_load_model(tiny: gradwell.Host, tmp_path: Path) -> None:
    tiny.train("m", "d", epochs=10)
    path = tmp_path / "m.json"
    saved = tiny.save("m", path)
    assert saved["bytes"] > 0 and path.exists()
    loaded = tiny.load_model("copy", path)
    assert loaded["name"] == "copy"
    assert tiny.evaluate("copy", "d") == tiny.evaluate("m", "d")


def test_unbuilt_or_unknown_methods_raise_method_not_found(host: gradwell.Host) -> None:
    with pytest.raises(gradwell.MethodNotFound):
        host.call("gradwell/not-a-method", {"x": 1})


# ---- failures of the process, timeouts


def test_host_killed_mid_call_raises_host_crashed() -> None:
    host = gradwell.Host(HOST_PATH, timeout=30)
    try:
        host.generate("d", "moons", n=200)
        host.create_model("m", input=2, layers=TINY_LAYERS)

        def kill(metric: Dict[str, Any]) -> None:
            os.kill(host.pid, signal.SIGKILL)

        with pytest.raises(gradwell.HostCrashed) as caught:
            host.train("m", "d", epochs=10**7, report_every=1000, on_metric=kill)
        assert caught.value.returncode == -signal.SIGKILL
        assert isinstance(caught.value.stderr_tail, str)
        assert "signal 9" in str(caught.value)
        with pytest.raises(gradwell.HostCrashed):  # and every later call, at once
            host.initialize()
    finally:
        host.close()


def test_host_that_dies_at_start_reports_stderr() -> None:
    with gradwell.Host(HOST_PATH, args=["--no-such-option"]) as host:
        with pytest.raises(gradwell.HostCrashed) as caught:
            host.initialize(timeout=30)
    assert caught.value.returncode == 2
    assert "--no-such-option" in caught.value.stderr_tail


def test_call_timeout_cancels_and_host_stays_usable(tiny: gradwell.Host) -> None:
    start = time.monotonic()
    with pytest.raises(gradwell.CallTimeout) as caught:
        tiny.train("m", "d", epochs=10**7, timeout=0.2)
    assert 0.15 < time.monotonic() - start < 5
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.method == "train"
    start = time.monotonic()
    assert tiny.initialize()["name"] == "gradwell"
    assert time.monotonic() - start < 10  # the training was cancelled, not left running
    assert tiny.evaluate("m", "d")["n"] == 200


def test_closed_host_refuses_calls() -> None:
    host = gradwell.Host(HOST_PATH)
    host.initialize(timeout=30)
    assert host.close() == 0
    with pytest.raises(gradwell.HostClosed):
        host.initialize()
    assert host.close() == 0  # idempotent


def test_close_cancels_a_running_train_without_waiting_for_grace() -> None:
    # close() cancels the calls still running before it sends shutdown, so it does not wait
    # out the shutdown's grace (5 s) and then the SIGTERM's.
    host = gradwell.Host(HOST_PATH)
    host.generate("d", "moons", n=200, timeout=30)
    host.create_model("m", input=2, layers=TINY_LAYERS, timeout=30)
    pending = host.submit("train", {"model": "m", "data": "d", "epochs": 10**8, "report_every": 10**6})
    time.sleep(0.3)
    start = time.monotonic()
    assert host.close() == 0  # exited by itself, after shutdown
    assert time.monotonic() - start < 3
    with pytest.raises((gradwell.Cancelled, gradwell.HostClosed)):
        pending.result()


_INTERRUPTED_CLIENT = r"""
import os, signal, sys, time, gradwell
with gradwell.Host(sys.argv[1], timeout=60) as host:
    host.generate("d", "moons", n=200)
    host.create_model("m", input=2, layers=[{"type": "dense", "units": 1, "activation": "sigmoid"}])
    print("ready", flush=True)
    try:
        host.train("m", "d", epochs=10**8, report_every=10**6)
        print("finished?", flush=True)
    except KeyboardInterrupt:
        pass
    # The host got no SIGINT of its own: it cancelled the train and keeps its model.
    print("alive", host.evaluate("m", "d")["cost"] > 0, flush=True)
"""


def test_ctrl_c_in_a_terminal_cancels_the_call_and_spares_the_host() -> None:
    # A terminal's Ctrl-C sends SIGINT to its whole foreground process group: the client's
    # process and, were it in the same group, the host.
    child = subprocess.Popen([sys.executable, "-c", _INTERRUPTED_CLIENT, HOST_PATH], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True,
                             env=dict(os.environ, PYTHONPATH=str(Path(gradwell.__file__).parent.parent)))
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        os.killpg(child.pid, signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert out.strip() == "alive True", err
    assert child.returncode == 0, err


def test_ctrl_c_while_a_large_line_is_written_keeps_the_wire_in_order(host: gradwell.Host) -> None:
    # SIGINT arrives while a ~30 MB inline is being written: the line is finished first (half
    # a line would be glued to the next request), the interrupt raised after, and later calls
    # are answered as usual.
    rows = [[0.123456789, 0.987654321]] * 1_000_000
    timer = threading.Timer(0.02, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            host.inline("big", rows, [0] * len(rows))
            time.sleep(2)  # when the send finished before the signal came
    finally:
        timer.cancel()
    assert host.initialize()["name"] == "gradwell"
    assert host.generate("small", "moons", n=10)["n"] == 10
    assert host.call("dataset/split", {"source": "small", "into": {"a": 0.5, "b": 0.5}})


def test_close_stops_a_running_train() -> None:
    host = gradwell.Host(HOST_PATH)
    host.generate("d", "moons", n=200, timeout=30)
    host.create_model("m", input=2, layers=TINY_LAYERS, timeout=30)
    errors: List[BaseException] = []

    def run() -> None:
        try:
            host.train("m", "d", epochs=10**7, report_every=1000)
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.3)
    start = time.monotonic()
    host.close(grace=1.0)
    worker.join(10)
    assert not worker.is_alive()
    assert time.monotonic() - start < 10
    assert len(errors) == 1 and isinstance(errors[0], (gradwell.HostClosed, gradwell.Cancelled))


def test_record_option(tmp_path: Path) -> None:
    """``Host(record=...)`` passes ``--record``: the host writes a run log of the session
    (a ``$/record`` header, then every request, response and notification), and ``gradwell
    replay LOG --verify`` re-runs it with identical answers."""
    log = tmp_path / "session.jsonl"
    with gradwell.Host(HOST_PATH, record=log, timeout=30) as host:
        assert host.argv[-2:] == ["--record", str(log)]
        host.initialize()
        host.generate("d", "moons", n=100, seed=1, noise=0.2)
        host.create_model("m", input=2, layers=TINY_LAYERS, dtype="float64", seed=2)
        trained = host.train("m", "d", epochs=30, report_every=10, optimizer={"type": "gd", "lr": 0.1})
        evaluated = host.evaluate("m", "d")
        with pytest.raises(gradwell.NotFound):
            host.evaluate("no_such_model", "d")
    assert len(trained.metrics) >= 3

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    header = lines[0]
    assert header["method"] == "$/record" and "id" not in header
    assert header["params"]["protocol"] == 1

    requests = {m["id"]: m for m in lines[1:] if "method" in m and "id" in m}
    responses = {m["id"]: m for m in lines[1:] if "method" not in m and "id" in m}
    notifications = [m for m in lines[1:] if "method" in m and "id" not in m]
    methods = [r["method"] for r in requests.values()]
    for method in ("initialize", "dataset/generate", "model/create", "train", "evaluate"):
        assert method in methods
    assert set(requests) <= set(responses)  # every request (shutdown included) was answered
    train_id = next(i for i, r in requests.items() if r["method"] == "train")
    assert responses[train_id]["result"]["accuracy"] == trained.accuracy
    metrics = [m["params"] for m in notifications if m["method"] == "metric"]
    assert [m["request"] for m in metrics] == [train_id] * len(trained.metrics)
    assert [m["cost"] for m in metrics] == [m["cost"] for m in trained.metrics]
    assert any(r.get("result") == evaluated for r in responses.values())
    assert any(r.get("error", {}).get("code") == -32003 for r in responses.values())

    replay = subprocess.run([HOST_PATH, "replay", str(log), "--verify"], capture_output=True, text=True,
                            timeout=60)
    assert replay.returncode == 0, replay.stdout + replay.stderr


# ---- threads


def test_two_threads_share_one_host(tiny: gradwell.Host) -> None:
    results: Dict[str, Any] = {}
    failures: List[BaseException] = []

    tiny.create_model("m2", input=2, layers=TINY_LAYERS, seed=7)

    def trainer() -> None:
        try:
            results["train"] = tiny.train("m", "d", epochs=300, report_every=10)
        except BaseException as error:
            failures.append(error)

    def trainer2() -> None:
        try:
            results["train2"] = tiny.train("m2", "d", epochs=200, report_every=1)
        except BaseException as error:
            failures.append(error)

    def asker() -> None:
        try:
            results["infos"] = [tiny.initialize()["name"] for _ in range(20)]
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=f) for f in (trainer, asker, trainer2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures
    assert results["infos"] == ["gradwell"] * 20
    epochs = [m["epoch"] for m in results["train"].metrics]
    # every report_every-th epoch (this host also reports the last epoch, 299)
    assert epochs[:30] == list(range(0, 300, 10))
    assert all(m["request"] == results["train"].metrics[0]["request"] for m in results["train"].metrics)
    assert [m["epoch"] for m in results["train2"].metrics] == list(range(200))
    assert {m["request"] for m in results["train2"].metrics} != {m["request"] for m in results["train"].metrics}


def test_two_hosts_in_two_threads() -> None:
    results: Dict[int, Any] = {}
    failures: List[BaseException] = []

    def work(index: int) -> None:
        try:
            with gradwell.Host(HOST_PATH, timeout=30) as host:
                host.generate("d", "moons", n=200, seed=3)
                host.create_model("m", input=2, layers=TINY_LAYERS, seed=5)
                result = host.train("m", "d", epochs=50, optimizer={"type": "gd", "lr": 0.5})
                results[index] = (result["cost"], result.metrics.column("cost"),
                                  host.predict("m", [[0.0, 0.0], [1.0, 1.0]]))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures
    assert results[0] == results[1]  # same seeds, same answers, no crosstalk


def test_a_forked_child_cannot_use_its_parents_host(tiny: gradwell.Host) -> None:
    # The child has copies of the pipes and the id counter but no reader: it is refused, and
    # the parent's calls are untouched.
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            tiny.evaluate("m", "d")
        except gradwell.HostClosed as error:
            code = 0 if "fork" in str(error) else 4
        except BaseException:
            code = 5
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert tiny.generate("e", "moons", n=10)["n"] == 10
    assert tiny.evaluate("m", "d")["n"] == 200


def test_a_host_dropped_without_close_is_stopped() -> None:
    import gc
    import weakref
    host = gradwell.Host(HOST_PATH, timeout=30)
    host.initialize()
    process = host._process
    ref = weakref.ref(host)
    del host
    gc.collect()
    assert ref() is None
    process.wait(timeout=10)  # its stdin closed and SIGTERM sent by __del__


def test_breaking_out_of_train_iter_cancels_the_training(tiny: gradwell.Host) -> None:
    import gc
    for metric in tiny.train_iter("m", "d", epochs=10**7, report_every=1):
        break
    gc.collect()
    start = time.monotonic()
    assert tiny.evaluate("m", "d")["n"] == 200
    assert time.monotonic() - start < 5


def test_nan_names_its_place_and_numpy_booleans_are_labels(host: gradwell.Host) -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(gradwell.InvalidInput) as caught:
        host.inline("d", np.array([[1.0, 2.0], [3.0, float("nan")]]), [0, 1])
    assert caught.value.path == "params.x[1][1]" and isinstance(caught.value, ValueError)
    assert host.inline("d", [[0.0], [1.0]], np.array([False, True]))["classes"] == 2


def test_integers_beyond_64_bits_are_refused_naming_the_member(host: gradwell.Host) -> None:
    host.generate("d", "moons", n=10)
    with pytest.raises(gradwell.InvalidInput) as caught:
        host.generate("e", "moons", n=10, seed=2**70)
    assert caught.value.path == "params.seed"
    with pytest.raises(gradwell.InvalidInput):
        host.cancel(2**80)
    assert host.initialize()["name"] == "gradwell"
