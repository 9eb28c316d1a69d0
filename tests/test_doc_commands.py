"""Every command the docs show is run on the bundled sample, so the docs cannot drift from the
code (issue 19).

What is extracted, from README.md and docs/*.md:
- every command of a ```sh / ```bash / ```shell / ```console block (continuation lines joined,
  comment lines dropped), and every ```python block;
- README's inline commands (a `tweetchat ...`, `.venv/bin/...` or `make ...` code span), unless
  the span is the start of a command a block shows (then it names that command, which runs or
  is marked).

Each runs as written, through bash, in a scratch folder laid out as the project folder a user
types them in (the placeholder mapping):
- `.venv/`       a link to this test run's virtual environment;
- `exports/`     a copy of the bundled sample's exports (sample/raw), so the raw files are
                 never the repository's;
- `chats.yaml`   written by README's `tweetchat chats find ... --out chats.yaml` (step 1), then
                 used by every command naming it, as a user would;
- `warehouse/`, `output/`, `DAGSTER_HOME`: the scratch folder's (the TWEETCHAT_* variables and
                 DAGSTER_HOME point there, so a command without options uses them too);
- ids and months are the sample's own (`leadingqi-2023-04`, `2023-04`), so none is replaced.
README's step 2 (`tweetchat run --raw exports/ --chats chats.yaml`) is the build the other
commands read: it runs once, first, and the commands follow in the docs' order.

A block that cannot run here carries a marker on the line above its fence:
`<!-- doc-test: run by tests/test_x.py::test_name -->` (the test that runs it; it must exist)
or `<!-- doc-test: not run: <reason> -->`. An inline command that cannot run carries the
marker at the end of its line. Anything else unmarked is run: a command that fails fails here.
docs/metrics.md is the contract's byte-equal copy; its only block is YAML, none is a command.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.registry import load_registry
from orchestration.settings import SAMPLE_DIR
from tests.test_docs import DOCS, FENCE, ROOT

SHELL = {"sh", "bash", "shell", "console"}
# Blocks that are not commands: registries, mappings, outputs, diagrams.
NOT_COMMANDS = {"yaml", "text", "sql"}
MARKER = re.compile(r"<!--\s*doc-test:\s*(.*?)\s*-->")
RUN_BY = re.compile(r"^run by (tests/\S+\.py::\w+(?:\s*,\s*tests/\S+\.py::\w+)*)$")
NOT_RUN = re.compile(r"^not run: (\S.*)$")
INLINE_COMMAND = re.compile(r"`((?:\.venv/bin/|tweetchat |make )[^`]*)`")
TIMEOUT = 600


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence
    language: str
    lines: tuple[tuple[int, str], ...]
    marker: str | None

    @property
    def where(self) -> str:
        shown = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path.name
        return f"{shown}:{self.line}"


@dataclass(frozen=True)
class Command:
    where: str  # file:line of its first line
    text: str  # as a shell runs it
    language: str  # sh or python


def blocks(path: Path) -> list[Block]:
    """The file's fenced blocks, each with the doc-test marker on the line above its fence."""
    found, lines = [], path.read_text(encoding="utf-8").splitlines()
    opened, body = None, []
    for number, line in enumerate(lines, start=1):
        if not FENCE.match(line):
            if opened is not None:
                body.append((number, line))
            continue
        if opened is None:
            opened, body = number, []
            continue
        language = lines[opened - 1].strip().strip("`~").strip().lower()
        above = next((text for text in reversed(lines[: opened - 1]) if text.strip()), "")
        marker = MARKER.search(above)
        found.append(
            Block(path, opened, language, tuple(body), marker.group(1) if marker else None)
        )
        opened = None
    return found


def block_commands(block: Block) -> list[Command]:
    """The commands of a shell block (a line ending in `\\`, or inside an open quotation, goes
    on), or the whole of a python block as one."""
    if block.language == "python":
        return [Command(block.where, "\n".join(text for _, text in block.lines), "python")]
    commands, pending, start = [], "", 0
    for number, line in block.lines:
        if not pending:
            start = number
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending += "\n"
            continue
        try:
            words = shlex.split(pending, comments=True)
        except ValueError:  # a quotation still open
            pending += "\n"
            continue
        if words:
            commands.append(Command(f"{block.where.rsplit(':', 1)[0]}:{start}", pending, "sh"))
        pending = ""
    return commands


def every_block() -> list[Block]:
    return [block for path in DOCS for block in blocks(path)]


def words_of(command: str) -> list[str]:
    """The command's words, a leading `.venv/bin/` dropped (the same program either way)."""
    words = shlex.split(command.replace("\\\n", " "), comments=True)
    return [words[0].removeprefix(".venv/bin/"), *words[1:]] if words else []


def inline_commands() -> list[tuple[Command, str | None]]:
    """README's inline commands that name no block's command, with their line's marker."""
    shown = [words_of(c.text) for b in every_block() if b.language in SHELL
             for c in block_commands(b)]  # fmt: skip
    found = []
    for number, line in enumerate((ROOT / "README.md").read_text().splitlines(), start=1):
        marker = MARKER.search(line)
        for span in INLINE_COMMAND.findall(line):
            words = words_of(span)
            if not any(command[: len(words)] == words for command in shown):
                found.append((Command(f"README.md:{number}", span, "sh"),
                              marker.group(1) if marker else None))  # fmt: skip
    return found


def commands_to_run() -> list[Command]:
    """Every documented command the marks do not send elsewhere, in the docs' order."""
    found = [
        command
        for block in every_block()
        if (block.language in SHELL or block.language == "python") and block.marker is None
        for command in block_commands(block)
    ]
    return found + [command for command, marker in inline_commands() if marker is None]


def marker_problem(marker: str) -> str | None:
    """Why a doc-test marker is wrong, or None."""
    if NOT_RUN.match(marker):
        return None
    run_by = RUN_BY.match(marker)
    if not run_by:
        return f"not `run by tests/x.py::test_name` nor `not run: <reason>`: {marker!r}"
    for named in re.split(r"\s*,\s*", run_by.group(1)):
        file_name, test = named.split("::")
        source = ROOT / file_name
        if not source.exists():
            return f"names {file_name}, which does not exist"
        if not re.search(rf"^def {test}\(", source.read_text(), re.MULTILINE):
            return f"names {named}, but {file_name} has no test {test}"
    return None


# --- The structure of the docs ------------------------------------------------------------


def test_every_fence_says_what_it_holds():
    # An unlabelled fence could hide a command: label outputs and diagrams `text`.
    unknown = [f"{b.where}: ```{b.language}" for b in every_block()
               if b.language not in SHELL | NOT_COMMANDS | {"python"}]  # fmt: skip
    assert not unknown, "fences without a known language:\n" + "\n".join(unknown)


def test_every_marker_names_a_test_that_exists_or_a_reason():
    marked = [(b.where, b.marker) for b in every_block() if b.marker is not None]
    marked += [(c.where, m) for c, m in inline_commands() if m is not None]
    problems = [f"{where}: {problem}" for where, marker in marked
                if (problem := marker_problem(marker))]  # fmt: skip
    assert not problems, "\n".join(problems)
    # A marker only where it means something: above a command block.
    misplaced = [b.where for b in every_block()
                 if b.marker is not None and b.language not in SHELL | {"python"}]  # fmt: skip
    assert not misplaced, f"doc-test markers above blocks that are not commands: {misplaced}"


def test_the_marker_check_can_fail():
    assert marker_problem("not run: it serves for ever") is None
    assert marker_problem("run by tests/test_ui.py::test_cli_run_shows_as_a_successful_run") is None
    assert "no test" in marker_problem("run by tests/test_ui.py::test_that_was_renamed")
    assert "does not exist" in marker_problem("run by tests/test_gone.py::test_x")
    assert "nor" in marker_problem("skipped")


def test_a_block_is_read_with_its_marker_and_commands(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "Serve it:\n\n<!-- doc-test: not run: it serves for ever -->\n```sh\nmake serve\n```\n\n"
        '```sh\n# a comment line\ntweetchat query "select 1\n  as one"  # a table\n'
        "tweetchat run --month 2023-04 \\\n    --force\n```\n\n```yaml\nchats: []\n```\n"
    )
    marked, unmarked, registry = blocks(page)
    assert (marked.marker, marked.language, marked.line) == ("not run: it serves for ever", "sh", 4)
    assert unmarked.marker is None and registry.language == "yaml"
    commands = block_commands(unmarked)
    assert [c.where for c in commands] == ["page.md:10", "page.md:12"]
    assert words_of(commands[0].text) == ["tweetchat", "query", "select 1\n  as one"]
    assert words_of(commands[1].text) == ["tweetchat", "run", "--month", "2023-04", "--force"]


def test_the_not_run_blocks_are_few():
    # Each one is a command nobody's docs are checked by; keep them to what cannot run here.
    not_run = [b.where for b in every_block() if b.marker and b.marker.startswith("not run")]
    assert len(not_run) <= 3, not_run


def test_the_duckdb_cli_query_is_one_that_runs():
    # The DuckDB CLI is not installed by the project, so its block is marked not run; its
    # query must be one a `tweetchat query` line runs, or it could drift unseen.
    normal = " ".join  # whitespace-insensitive
    duckdb_cli = [c for b in every_block() if b.language in SHELL
                  for c in block_commands(b) if words_of(c.text)[0] == "duckdb"]  # fmt: skip
    queries = {normal(words_of(c.text)[2].split()) for c in commands_to_run()
               if c.language == "sh" and words_of(c.text)[:2] == ["tweetchat", "query"]}  # fmt: skip
    assert duckdb_cli
    for command in duckdb_cli:
        assert normal(words_of(command.text)[-1].split()) in queries, command.where


# --- Running them -------------------------------------------------------------------------


def scratch_environment(root: Path, **variables: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}  # fmt: skip
    environment.update({
        "DAGSTER_HOME": str(root / ".dagster"),
        "TWEETCHAT_RAW": str(root / "exports"),
        "TWEETCHAT_CHATS": str(root / "chats.yaml"),
        "TWEETCHAT_WAREHOUSE": str(root / "warehouse" / "tweetchat.duckdb"),
        "TWEETCHAT_OUT": str(root / "output"),
        "TWEETCHAT_THEMES": str(root / "themes.yaml"),
        "PATH": f"{root / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        **variables,
    })  # fmt: skip
    return environment


def scratch_folder(root: Path) -> Path:
    """An empty project-like folder: `.venv` linked to this test run's environment."""
    (root / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return root


# What a command reads on its standard input (the prompt reads statements until its end).
STDIN = {"tweetchat shell": ".tables\nselect count(*) as chats from marts.chat_activity;\n"}


def execute(scratch: dict, command: Command) -> subprocess.CompletedProcess:
    root, text = scratch["root"], command.text
    for placeholder, value in scratch.get("placeholders", {}).items():
        text = text.replace(placeholder, value)
    if command.language == "python":
        argv = [str(root / ".venv" / "bin" / "python"), "-c", text]
    else:
        argv = ["bash", "-c", text]
    words = words_of(text) if command.language == "sh" else []
    stdin = next((given for start, given in STDIN.items() if words[:2] == start.split()), "")
    return subprocess.run(argv, cwd=root, env=scratch["environment"], input=stdin,
                          capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip


def first_command(where: str, *words: str) -> Command:
    """The first command to run in a file whose words start with these."""
    return next(c for c in commands_to_run() if c.language == "sh" and c.where.startswith(where)
                and words_of(c.text)[: len(words)] == list(words))  # fmt: skip


WORKTREE_OUTPUTS = [ROOT / "warehouse", ROOT / "output", ROOT / ".dagster", SAMPLE_DIR]


def written_state(folders: list[Path]) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for folder in folders if folder.exists() for p in folder.rglob("*")
            if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """The scratch project folder, after README's steps 1 and 2 (find the chats, run), and
    the same run again (operations.md: a rerun with nothing changed does nothing)."""
    root = scratch_folder(tmp_path_factory.mktemp("docs"))
    shutil.copytree(SAMPLE_DIR / "raw", root / "exports")
    before = written_state(WORKTREE_OUTPUTS)
    scratch = {"root": root, "environment": scratch_environment(root), "results": {}}
    for words in (["tweetchat", "chats", "find"], ["tweetchat", "run"]):
        command = first_command("README.md", *words)
        result = scratch["results"][command.where] = execute(scratch, command)
        assert result.returncode == 0, f"{command.where}: {command.text}\n{result.stderr[-4000:]}"
    scratch["rerun"] = execute(scratch, command)
    yield scratch
    assert written_state(WORKTREE_OUTPUTS) == before, "a documented command wrote the worktree"


# "Watch a chat live" collects a chat from Bluesky and Mastodon: here from the replay server
# of tests/test_collect.py on 127.0.0.1, serving its generated live chat, with its registry.
LIVE = ("docs/operations.md", "## Watch a chat live")


def section(where: str) -> tuple[str, str]:
    """The file of a command's place and the `## ` heading it is under."""
    file_name, line = where.rsplit(":", 1)
    if file_name not in {str(p.relative_to(ROOT)) for p in DOCS}:
        return file_name, ""
    lines = (ROOT / file_name).read_text().splitlines()[: int(line)]
    return file_name, next((text for text in reversed(lines) if text.startswith("## ")), "")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from tests import collect_responses as generated
    from tests.replay_server import ReplayServer
    from tests.test_collect import generated_routes

    root = scratch_folder(tmp_path_factory.mktemp("live"))
    (root / "exports").mkdir()
    with ReplayServer(generated_routes(), lifetime=TIMEOUT * 3) as server:
        (root / "chats.yaml").write_text(generated.CHATS_YAML.format(instance=server.url))
        yield {
            "root": root,
            "environment": scratch_environment(root, TWEETCHAT_BLUESKY_SERVICE=server.url),
            "placeholders": {"leadingqi-2025-03": generated.CHAT_ID},
            "results": {},
            "chat_id": generated.CHAT_ID,
        }


def sample_chat_ids() -> list[str]:
    return sorted(chat.id for chat in load_registry(SAMPLE_DIR / "chats.yaml").chats)


def published(root: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse" / "tweetchat.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def check_claims(scratch: dict, command: Command, result: subprocess.CompletedProcess) -> None:
    """What the docs say a command does, where it is cheap to see."""
    root, out = scratch["root"], result.stdout
    if command.language == "python":
        return
    words = words_of(command.text)
    if "chat_id" in scratch:  # the live chat: collected, then built
        if words[:2] == ["tweetchat", "collect"]:
            assert list((root / "exports").rglob(f"*/{scratch['chat_id']}/*.json")), result.stderr
        else:
            assert (root / "output" / scratch["chat_id"] / "report.html").exists()
        return
    if words[:3] == ["tweetchat", "chats", "find"]:
        registry = root / "chats.yaml" if "--out" in words else None
        if registry:  # it proposes the sample's four chats, in a registry `run` loads
            assert sorted(c.id for c in load_registry(registry).chats) == sample_chat_ids()
        else:
            assert all(chat_id in out for chat_id in sample_chat_ids()), out
    elif words[:2] == ["tweetchat", "run"]:
        assert (root / "warehouse" / "tweetchat.duckdb").exists()
        if "--force" in words:
            assert "nothing changed" not in result.stderr
    elif words[:2] == ["tweetchat", "open"]:
        report = Path(out.strip())
        assert report.name == "report.html" and report.is_file(), out
        assert report.is_relative_to(root / "output"), out
        if "leadingqi-2023-04" in words:
            assert report.parent.name == "leadingqi-2023-04"
    elif words[:3] == ["tweetchat", "chats", "list"]:
        assert all(chat_id in out for chat_id in sample_chat_ids()), out
    elif words[:2] == ["tweetchat", "query"]:
        if "--format" in words and words[words.index("--format") + 1] == "json":
            assert json.loads(out), "no rows"
        elif ">" in words:
            written = root / words[words.index(">") + 1]
            assert written.read_text().splitlines()[0].startswith("chat_id"), written
        else:
            for month in ("2023-01", "2023-02", "2023-03", "2023-04"):
                assert month in out, out
    elif words[:2] == ["tweetchat", "shell"]:
        assert "marts.chat_activity" in out and "8" in out, out  # two rows per chat
    elif words[:2] == ["tweetchat", "sample"]:
        generated = root / words[words.index("--out") + 1]
        assert load_registry(generated / "chats.yaml").chats
    elif words[:2] == ["tweetchat", "themes"]:
        assert "leadingqi-2023-04" in (root / "themes.yaml").read_text()
    elif words[:2] == ["tweetchat", "--help"]:
        assert "chats" in out and "run" in out


@pytest.mark.parametrize("command", commands_to_run(), ids=lambda c: c.where)
def test_the_documented_command_runs(request, command):
    scenario = "live" if section(command.where) == LIVE else "scratch"
    scratch = request.getfixturevalue(scenario)
    result = scratch["results"].get(command.where) or execute(scratch, command)
    assert result.returncode == 0, (
        f"{command.where}: {command.text}\nexit {result.returncode}\n"
        f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    )
    check_claims(scratch, command, result)


def test_the_same_run_again_is_the_documented_no_op(scratch):
    assert published(scratch["root"], "select count(*) from marts.chat_activity")[0][0] == 8
    rerun = scratch["rerun"]
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "nothing changed since the run of" in rerun.stderr, rerun.stderr[-3000:]
