"""Every problem of a source in one build (issue 22), each on its own line at its right line.

Two sources full of different mistakes (tests/fixtures/mistakes): one whose front matter is sound and
whose body, notes, links, images, references and maths are not; one wrong in its front matter and its
body at once. One CLI build reports them all, each where the source says it is: the expected line is
found here by the text of the mistake, in the file, not by the pipeline. The build exits with 2 and
leaves dist/ as it was.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from test_bad_input import Run, run_build_all, snapshot

MISTAKES = REPO_ROOT / "tests" / "fixtures" / "mistakes"
ERROR_LINE = re.compile(
    r"^(?P<path>\S+/article\.md):(?P<line>\d+)(?::(?P<column>\d+))?: (?P<field>[^:]+): (?P<message>.+)$"
)


@dataclass(frozen=True)
class Mistake:
    needle: str  # the text of the source line the mistake is on (the first line holding it)
    field: str
    message: str  # a part of the message that says what is wrong


EXPECTED = {
    "body-mistakes": [
        Mistake("<u>underlined words</u>", "body", "raw HTML '<u>' is not allowed; the HTML a body may hold is <abbr>"),
        Mistake("$\\frac{1}{$", "body", "the formula '\\\\frac{1}{' is not TeX that pandoc can write as MathML"),
        Mistake("never written down.[^missing]", "body", "footnote [^missing] is referenced but never defined"),
        Mistake("{lang=xx-notalanguage}", "body", "'xx-notalanguage' is not a language CLDR knows"),
        Mistake("(#nowhere)", "body", "link 'see below' points to '#nowhere'"),
        Mistake("missing-chart.png", "body", "image file 'missing-chart.png' does not exist"),
        Mistake("[@nobody2020]", "body", "no reference 'nobody2020'"),
        Mistake("[the judgment]()", "body", "link 'the judgment' has no address"),
        Mistake("{onclick=steal}", "body", "attribute 'onclick' is not allowed"),
    ],
    "front-and-body": [
        Mistake("title: ", "title", "the formula '\\\\sqrt{' is not TeX that pandoc can write as MathML"),
        Mistake("issued: 2024-02-30", "issued", "'2024-02-30' is not a real calendar date"),
        Mistake("familly: Lovelace", "author[0].familly", "unknown field; did you mean 'family'?"),
        Mistake("keywords: law", "keywords", "must be a list"),
        Mistake("<script>", "body", "raw HTML block '<script>alert(1)</script>' is not allowed"),
        Mistake('<div class="box">', "body", "raw HTML block '<div class=\"box\">' is not allowed"),
        Mistake("[the judgment]()", "body", "link 'the judgment' has no address"),
    ],
}


def line_of(source: Path, needle: str) -> int:
    lines = source.read_text(encoding="utf-8").splitlines()
    return next(number for number, text in enumerate(lines, start=1) if needle in text)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    sources = tmp_path_factory.mktemp("sources")
    for case in EXPECTED:
        shutil.copytree(MISTAKES / case, sources / case)
    dist = tmp_path_factory.mktemp("dist")
    for case in EXPECTED:
        (dist / case).mkdir()
        (dist / case / f"{case}.pdf").write_bytes(b"a previous build")
    before = snapshot(dist)
    result = run_build_all("--sources", sources, "--dist", dist)
    return Run(sources, dist, before, result)


def test_the_fixtures_hold_at_least_five_different_mistakes() -> None:
    for mistakes in EXPECTED.values():
        assert len({mistake.message for mistake in mistakes}) >= 5


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_one_build_reports_every_mistake_at_its_line(run: Run, case: str) -> None:
    output = run.result.stdout + run.result.stderr
    assert run.result.returncode == 2, output
    assert "Traceback" not in output
    source = run.sources / case / "article.md"
    reported = [
        match
        for match in map(ERROR_LINE.match, (line.strip() for line in output.splitlines()))
        if match and Path(match["path"]).parent.name == case
    ]
    expected = [(line_of(source, mistake.needle), mistake.field, mistake.message) for mistake in EXPECTED[case]]
    assert len(reported) == len(expected), "\n".join(match.group(0) for match in reported)
    for (line, field, message), match in zip(expected, reported, strict=True):
        assert (int(match["line"]), match["field"]) == (line, field), match.group(0)
        assert message in match["message"], match.group(0)


def test_dist_is_unchanged(run: Run) -> None:
    assert snapshot(run.dist) == run.before


def test_a_source_with_very_many_problems_lists_a_sane_number(tmp_path: Path) -> None:
    """Past the limit (pipeline/limits.json) the rest are counted, not listed."""
    from pipeline.limits import limit
    from pipeline.prepare.article import load_article
    from pipeline.source.problems import SourceProblems

    folder = tmp_path / "many"
    folder.mkdir()
    front = (MISTAKES / "body-mistakes" / "article.md").read_text(encoding="utf-8").split("\n---\n", 1)[0]
    most = limit("problems-per-source")
    body = "\n\n".join(f"Paragraph {number} with <u>a tag</u>." for number in range(most + 7))
    (folder / "article.md").write_text(f"{front}\n---\n\n{body}\n", encoding="utf-8")
    with pytest.raises(SourceProblems) as caught:
        load_article(folder / "article.md")
    lines = str(caught.value).splitlines()
    assert len(lines) == most + 1
    assert lines[-1].endswith("7 more problem(s) not listed; correct these and build again")
    first_paragraph = 1 + front.count("\n") + 3
    assert [problem.line for problem in caught.value.problems] == [first_paragraph + 2 * n for n in range(most)]
