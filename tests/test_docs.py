"""The documentation cannot drift from the code.

README.md and docs/*.md are checked here two ways: every relative link and anchor resolves (as
GitHub renders them); every `tweetchat ...` line of a ```sh block parses with the CLI's own
argparse parser, so a renamed or removed option fails here, marked blocks too. Every command
is run on the bundled sample by tests/test_doc_commands.py.

Conventions for the docs' ```sh blocks: concrete values, no `[optional]` syntax; a leading
`.venv/bin/` and leading `NAME=value` environment assignments are dropped before parsing, as
is everything from a shell operator (`>`, `|`, `&&`, `;`) on.
"""

import argparse
import re
import shlex
from pathlib import Path

import pytest

from orchestration.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
EXPLICIT_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
SHELL_OPERATORS = {">", ">>", "<", "|", "||", "&&", ";", "&", "2>", "2>&1"}
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """The file's lines outside fenced code blocks, with their line numbers."""
    lines, in_fence = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            lines.append((number, line))
    return lines


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: inline markup dropped, lower case, punctuation
    removed, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a link into the file may name: heading slugs (repeats numbered as GitHub
    numbers them) and explicit `<a id>` anchors."""
    found, seen = set(), {}
    for _, line in prose_lines(path):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            slug = github_slug(heading.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
        found.update(EXPLICIT_ANCHOR.findall(line))
    return found


def relative_links(path: Path) -> list[tuple[int, str]]:
    links = []
    for number, line in prose_lines(path):
        for target in LINK.findall(line):
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, mailto:, file: ...
                links.append((number, target))
    return links


def test_the_docs_exist_and_link_each_other():
    names = {path.name for path in DOCS}
    assert {"README.md", "operations.md", "exports.md", "warehouse.md", "development.md"} <= names
    readme_targets = {target.split("#")[0] for _, target in relative_links(ROOT / "README.md")}
    for page in ("operations", "exports", "warehouse", "development", "metrics", "benchmarks"):
        assert f"docs/{page}.md" in readme_targets, f"README.md links no docs/{page}.md"


@pytest.mark.parametrize("path", DOCS, ids=lambda path: path.name)
def test_every_relative_link_and_anchor_resolves(path):
    broken = []
    for number, target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{path.name}:{number}: {target}: no file {linked}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(
                f"{path.name}:{number}: {target}: no heading or <a id> gives #{anchor} in "
                f"{linked.name}"
            )
    assert not broken, "broken links (fix the link or the heading):\n" + "\n".join(broken)


def test_the_slugs_are_githubs():
    assert github_slug("Python measures, dbt figures") == "python-measures-dbt-figures"
    assert github_slug("The warehouse: tables and queries") == "the-warehouse-tables-and-queries"
    assert github_slug("Bluesky and Mastodon readers in SQL (issue 18)") == (
        "bluesky-and-mastodon-readers-in-sql-issue-18"
    )
    assert github_slug("`formats.yaml` and [links](x.md)") == "formatsyaml-and-links"


def shell_commands(path: Path) -> list[tuple[int, list[str]]]:
    """The commands of the file's ```sh blocks as argument lists, with their first line:
    continuation lines joined, a quoted string running over lines kept whole, comments out."""
    commands, block, pending, start = [], None, "", 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            block = line.strip().strip("`~").strip() if block is None else None
            pending = ""
            continue
        if block not in ("sh", "bash", "shell"):
            continue
        if not pending:
            start = number
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        try:
            tokens = shlex.split(pending, comments=True)
        except ValueError:  # a quotation still open: the command goes on
            pending += "\n"
            continue
        pending = ""
        if tokens:
            commands.append((start, tokens))
    return commands


def tweetchat_arguments(tokens: list[str]) -> list[str] | None:
    """The arguments of a `tweetchat` command line, or None for another program."""
    while tokens and ENV_ASSIGNMENT.match(tokens[0]):
        tokens = tokens[1:]
    if not tokens or tokens[0].removeprefix(".venv/bin/") != "tweetchat":
        return None
    arguments = []
    for token in tokens[1:]:
        if token in SHELL_OPERATORS:
            break
        arguments.append(token)
    return arguments


def cli_commands() -> set[str]:
    """The CLI's commands, `chats find` and `chats list` as two."""

    def choices(parser: argparse.ArgumentParser) -> dict:
        (subcommands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return subcommands.choices

    commands = set()
    for name, subparser in choices(_parser()).items():
        if name == "chats":
            commands |= {f"chats {sub}" for sub in choices(subparser)}
        else:
            commands.add(name)
    return commands


def parse_failure(arguments: list[str]) -> str | None:
    """Why the CLI's parser refuses the arguments, or None when it accepts them."""
    try:
        _parser().parse_args(arguments)
    except SystemExit as exit_:
        return f"argparse exited with {exit_.code}"
    return None


def documented_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in DOCS:
        for number, tokens in shell_commands(path):
            arguments = tweetchat_arguments(tokens)
            if arguments is not None:
                found.append((f"{path.relative_to(ROOT)}:{number}", arguments))
    return found


def test_every_documented_tweetchat_command_parses(capsys):
    commands = documented_commands()
    # The docs show every command of the CLI (and of `tweetchat chats`) in a sh block.
    documented = {" ".join(arguments[:2] if arguments[0] == "chats" else arguments[:1])
                  for _, arguments in commands}  # fmt: skip
    assert cli_commands() <= documented, f"no sh example of {cli_commands() - documented}"
    refused = []
    for where, arguments in commands:
        reason = parse_failure(arguments)
        if reason:
            refused.append(f"{where}: tweetchat {shlex.join(arguments)}: {reason}")
    errors = capsys.readouterr().err
    assert not refused, (
        "documented commands the CLI refuses:\n" + "\n".join(refused) + "\n" + errors
    )


def test_a_renamed_option_is_caught(capsys):
    assert parse_failure(["run", "--raw", "exports/", "--chats", "chats.yaml"]) is None
    assert parse_failure(["run", "--raw-dir", "exports/"]) is not None
    assert parse_failure(["chats", "find", "--timezone", "Europe/London"]) is not None  # no --raw
    capsys.readouterr()
