"""Writes destroy nothing: --output (and --answers, --plot) writes only regular files, never one of the command's
inputs or another output, with the mode a shell redirect gives; a killed write leaves no temporary file; a broken
standard output is one line and a non-zero exit."""

import os
import shlex
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symparam.errors import SymparamError
from symparam.fileio import atomic_output, check_outputs, write_atomic
from test_cli_errors import assert_one_line, run

ROOT = Path(__file__).resolve().parent.parent
CNN = ROOT / "examples" / "cnn.toml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def leftovers(folder):
    return [p.name for p in Path(folder).iterdir() if p.name.endswith(".tmp")]


@pytest.fixture
def no_hang():
    """Open a FIFO by mistake and the test fails after 30 s instead of blocking forever."""
    def alarm(signum, frame):
        raise TimeoutError("a write blocked (a FIFO opened?)")
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# ---- only regular files are written --------------------------------------------------------------------------

def test_dev_null_stays_a_device(capsys):
    # Refused before anything is written (were it not, running this as root would replace the machine's /dev/null).
    with pytest.raises(SymparamError, match="character device"):
        check_outputs({"--output": "/dev/null"})
    code, out, err = run(capsys, "derive", CNN, "-o", "/dev/null")
    assert code == 2
    assert_one_line(err, "--output /dev/null is a character device", "regular files")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_device_node_is_refused(capsys, tmp_path):
    """The same as /dev/null on a node of our own (as root): the old code replaced it with a regular file."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:   # not root: the folder /dev cannot be written anyway, so /dev/null is safe
        node = Path("/dev/null")
    code, out, err = run(capsys, "derive", CNN, "--format", "json", "-o", node)
    assert code == 2
    assert_one_line(err, "is a character device")
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_fifo_is_refused_without_opening_it(capsys, tmp_path, no_hang):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, out, err = run(capsys, "derive", CNN, "-o", fifo)
    assert code == 2
    assert_one_line(err, "is a FIFO (named pipe)")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_directory_is_refused(capsys, tmp_path):
    code, out, err = run(capsys, "sweep", CNN, "--over", "img_size=32:34", "-o", tmp_path)
    assert code == 2
    assert_one_line(err, "is a directory")


def test_socket_is_refused(tmp_path, monkeypatch):
    import socket
    monkeypatch.chdir(tmp_path)   # a socket's path is limited to about 100 bytes: use a short relative one
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("s")
        with pytest.raises(SymparamError, match="is a socket"):
            write_atomic("s", "text")
        assert stat.S_ISSOCK(os.lstat("s").st_mode)


def test_symlink_updates_its_target_and_stays_a_link(capsys, tmp_path):
    target = tmp_path / "t.md"
    target.write_text("old\n")
    link = tmp_path / "link.md"
    link.symlink_to("t.md")
    code, out, err = run(capsys, "derive", CNN, "--format", "markdown", "-o", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == "t.md"
    assert target.read_text().startswith("# Parameters of")
    assert leftovers(tmp_path) == []


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.md"
    link.symlink_to("new.md")
    write_atomic(link, "text\n")
    assert link.is_symlink() and (tmp_path / "new.md").read_text() == "text\n"


def test_symlink_loop_is_one_line(capsys, tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    code, out, err = run(capsys, "derive", CNN, "-o", loop)
    assert code == 2
    assert_one_line(err, "--output", "symbolic links")


def test_hard_link_keeps_every_name(capsys, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text("old\n")
    os.link(first, second)
    code, out, err = run(capsys, "derive", CNN, "--format", "json", "-o", first)
    assert code == 0, err
    assert os.stat(first).st_ino == os.stat(second).st_ino and os.stat(first).st_nlink == 2
    assert second.read_text().startswith("{") and '"total"' in second.read_text()
    assert leftovers(tmp_path) == []


def test_hard_link_shorter_text_is_not_padded(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_text("a much longer old text\n")
    os.link(first, second)
    write_atomic(first, "new\n")
    assert second.read_text() == "new\n"


# ---- never an input, never another output --------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["derive", "{spec}", "-o", "{spec}"],
    ["derive", "{spec}", "--format", "markdown", "-o", "{link}"],
    ["derive", "{spec}", "--format", "markdown", "-o", "{hard}"],
    ["explore", "{spec}", "-o", "{spec}"],
    ["quiz", "{spec}", "--vary", "img_size=32,64", "-o", "{spec}"],
    ["quiz", "{spec}", "--vary", "img_size=32,64", "--answers", "{spec}"],
    ["sweep", "{spec}", "--over", "img_size=32:34", "--format", "csv", "-o", "{spec}"],
    ["sweep", "{spec}", "--over", "img_size=32:34", "--plot", "{spec}"],
])
def test_output_is_not_the_spec(capsys, tmp_path, argv):
    spec = tmp_path / "my.toml"
    spec.write_bytes(CNN.read_bytes())
    (tmp_path / "link.toml").symlink_to("my.toml")
    os.link(spec, tmp_path / "hard.toml")
    names = {"spec": spec, "link": tmp_path / "link.toml", "hard": tmp_path / "hard.toml"}
    code, out, err = run(capsys, *[a.format(**names) for a in argv])
    assert code == 2
    assert_one_line(err, "is the input", "choose another file")
    assert spec.read_bytes() == CNN.read_bytes() and (tmp_path / "link.toml").is_symlink()
    assert os.stat(spec).st_nlink == 2


@pytest.mark.parametrize("argv, same", [
    (["quiz", CNN, "--vary", "img_size=32,64", "-o", "{0}/same.md", "--answers", "{0}/same.md"], "same.md"),
    (["quiz", CNN, "--vary", "img_size=32,64", "-o", "{0}/same.md", "--answers", "{0}/./same.md"], "same.md"),
    (["sweep", CNN, "--over", "img_size=32:34", "-o", "{0}/same.svg", "--plot", "{0}/same.svg"], "same.svg"),
])
def test_two_outputs_are_two_files(capsys, tmp_path, argv, same):
    code, out, err = run(capsys, *[str(a).format(tmp_path) for a in argv])
    assert code == 2
    assert_one_line(err, "is the same file as --output", "give each output its own file")
    assert not (tmp_path / same).exists()


def test_quiz_sheet_and_key_both_written(capsys, tmp_path):
    code, out, err = run(capsys, "quiz", CNN, "--vary", "img_size=32,64", "--questions", "shape",
                         "-o", tmp_path / "sheet.md", "--answers", tmp_path / "key.md")
    assert code == 0, err
    assert (tmp_path / "sheet.md").read_text() != (tmp_path / "key.md").read_text()


# ---- modes: as a shell redirect leaves them -------------------------------------------------------------------

@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_file_follows_the_umask(capsys, tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        code, out, err = run(capsys, "derive", CNN, "-o", tmp_path / "out.txt")
    finally:
        os.umask(previous)
    assert code == 0, err
    assert stat.S_IMODE(os.stat(tmp_path / "out.txt").st_mode) == mode


def test_existing_file_keeps_mode_and_group(capsys, tmp_path):
    target = tmp_path / "out.md"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    group = os.getgid()
    try:
        os.chown(target, -1, group + 4242)   # as root: a group the process is not in
        group += 4242
    except PermissionError:
        pass
    code, out, err = run(capsys, "derive", CNN, "--format", "markdown", "-o", target)
    assert code == 0, err
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640 and os.stat(target).st_gid == group
    assert target.read_text() != "old\n"


# ---- whole or not at all ---------------------------------------------------------------------------------------

def test_failure_inside_the_block_leaves_nothing(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as handle:
            handle.write("half")
            raise RuntimeError("the computation failed")
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []


def test_streamed_output(tmp_path):
    target = tmp_path / "big.csv"
    with atomic_output(target) as handle:
        for i in range(1000):
            handle.write(f"{i},{i * i}\n")
        assert not target.exists()   # nothing shows before the commit
    assert target.read_text().splitlines()[999] == "999,998001"
    with atomic_output(tmp_path / "b.bin", binary=True) as handle:
        handle.write(b"\x00\xff")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"


def test_signal_handlers_are_restored_and_ignored_ones_stay_ignored(tmp_path):
    def mine(signum, frame):
        pass
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    signal.signal(signal.SIGHUP, signal.SIG_IGN)   # as under nohup
    signal.signal(signal.SIGTERM, mine)
    try:
        with atomic_output(tmp_path / "x") as handle:
            handle.write("x")
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not mine
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN and signal.getsignal(signal.SIGTERM) is mine
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


# The sweep's write is made slow (its fsync sleeps) so that the signal surely lands while the temporary file
# exists: a real big grid would give the same window, but only sometimes.
SLOW_SWEEP = """
import os, sys, time
os.fsync = lambda fd: time.sleep(120)
from symparam.cli import main
sys.exit(main(["sweep", sys.argv[1], "--over", "img_size=32:200", "--per-layer", "--format", "csv", "-o", sys.argv[2]]))
"""


@pytest.mark.parametrize("signum, existing", [(signal.SIGTERM, None), (signal.SIGINT, "old\n"),
                                              (signal.SIGHUP, None)])
def test_killed_write_leaves_no_temporary_file(tmp_path, signum, existing):
    target = tmp_path / "grid.csv"
    if existing is not None:
        target.write_text(existing)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SWEEP, str(CNN), str(target)], env=ENV, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while not leftovers(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert leftovers(tmp_path), "the temporary file never appeared"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + signum
    assert_one_line(err, f"interrupted by {signal.Signals(signum).name} while writing {target}")
    assert leftovers(tmp_path) == []
    if existing is None:
        assert not target.exists()
    else:
        assert target.read_text() == existing


# ---- standard output -----------------------------------------------------------------------------------------

def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "symparam", *map(str, args)], env=ENV, cwd=ROOT,
                          stderr=subprocess.PIPE, text=True, timeout=180, **kwargs)


@pytest.mark.parametrize("args", [[], ["--json"], ["--format", "markdown", "-o", "{tmp}/out.md"]])
def test_full_disk_is_one_line(tmp_path, args):
    with open("/dev/full", "w") as full:
        proc = cli("derive", CNN, *[a.format(tmp=tmp_path) for a in args], stdout=full)
    assert proc.returncode == 2
    assert proc.stderr == "error: cannot write to standard output: No space left on device\n"


def test_closed_pipe_ends_quietly():
    read, write = os.pipe()
    os.close(read)
    try:
        proc = cli("derive", CNN, stdout=write)
    finally:
        os.close(write)
    assert proc.returncode == 141   # 128 + SIGPIPE, as a shell reports it
    assert proc.stderr == ""        # the reader wanted no more (`| head -1`): no error line


def test_pipe_closed_by_head_ends_quietly():
    # What users run: the reader takes one line and closes the pipe while symparam still writes.
    command = f"{shlex.quote(sys.executable)} -m symparam derive {shlex.quote(str(CNN))} | head -1"
    proc = subprocess.run(["bash", "-c", command + "; echo status=${PIPESTATUS[0]} >&2"], env=ENV, cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert len(proc.stdout.splitlines()) == 1
    assert proc.stderr in ("status=0\n", "status=141\n")   # no error line, whenever head closes the pipe


def test_closed_stdout_is_one_line():
    proc = cli("derive", CNN, "--json", preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2
    assert proc.stderr == "error: cannot write to standard output: Bad file descriptor\n"
