"""`workbench build` on tiny packages made in each test: the checks fail when they should,
vendoring, sdists, layers, architectures, the cache and bad input."""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path

import pytest

from tests.cli import workbench
from tests.functional.build_helpers import (
    function_template,
    heavy_wheel,
    isolate_pip,
    sdist_with_extension,
    shared_object,
    wheel,
)
from workbench import template
from workbench.build import BuildError, build_template
from workbench.build.platforms import Target

pytestmark = pytest.mark.functional
X86 = "cp311-cp311-manylinux_2_17_x86_64"
PYTHON = "python3.11"  # the runtime the test functions use
NEW_GLIBC = """
    #include <stdlib.h>
    unsigned draw(void) { return arc4random(); }  /* GLIBC_2.36 */
"""


def python() -> str:
    return str(Target(PYTHON, "x86_64").require_interpreter("the tests"))


def build(path: Path, lines: list[str] | None = None) -> object:
    return build_template(template.load(path), say=(lines if lines is not None else []).append)


def test_a_wheel_needing_a_newer_glibc_is_refused(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=True)
    so = shared_object(tmp_path / "so", "_draw.so", NEW_GLIBC)
    wheel(wheels, "newglibc", "1.0", X86, {"newglibc/_draw.so": so,
                                          "newglibc/__init__.py": b""})
    path = function_template(tmp_path / "app", "newglibc==1.0\n")
    with pytest.raises(BuildError) as refused:
        build(path)
    message = str(refused.value)
    assert "newglibc/_draw.so needs GLIBC_2.36" in message and "2.26" in message
    assert "\n" not in message
    assert not (tmp_path / "app" / ".aws-sam" / "build" / "Fn").exists()
    assert [p.name for p in (tmp_path / "app" / ".aws-sam" / "build").iterdir()] == []


def test_a_libstdcxx_newer_than_the_images_is_refused(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=True)
    # std::filesystem::current_path is GLIBCXX_3.4.26 (GCC 9): past Amazon Linux 2's GCC 7,
    # within Amazon Linux 2023's GCC 11.
    so = shared_object(tmp_path / "so", "_fs.so", """
        #include <filesystem>
        extern "C" int cwd_length(void) { return std::filesystem::current_path().native().size(); }
    """, "-std=c++17", cpp=True)
    wheel(wheels, "newcxx", "1.0", "py3-none-manylinux_2_17_x86_64", {"newcxx/_fs.so": so})
    with pytest.raises(BuildError) as refused:
        build(function_template(tmp_path / "al2", "newcxx==1.0\n"))
    assert "newcxx/_fs.so needs GLIBCXX_3.4.26, newer than the GLIBCXX_3.4.24 of the GCC 7 " \
        "libstdc++ in python3.11's Amazon Linux 2" in str(refused.value)
    built = build(function_template(tmp_path / "al2023", "newcxx==1.0\n", runtime="python3.12"))
    assert (built.functions["Fn"].task_root / "newcxx" / "_fs.so").is_file()  # type: ignore


def test_a_missing_library_is_refused_naming_it(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=True)
    dep = shared_object(tmp_path / "so", "libwbdep.so.1", "int dep(void) { return 1; }",
                        "-Wl,-soname,libwbdep.so.1")
    user = shared_object(tmp_path / "so", "_user.so", "int dep(void); int f(void) "
                         "{ return dep(); }", f"-L{dep.parent}", "-l:libwbdep.so.1")
    wheel(wheels, "needsdep", "1.0", X86, {"needsdep/_user.so": user})
    with pytest.raises(BuildError, match=r"needsdep/_user.so needs libwbdep.so.1, which "
                                         r"python3.11's Amazon Linux 2 image does not"):
        build(function_template(tmp_path / "app", "needsdep==1.0\n"))


def test_libgomp_is_vendored_beside_the_binary_from_a_manylinux_wheel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=False)  # the copy comes from PyPI
    so = shared_object(tmp_path / "so", "_omp.so", """
        #include <omp.h>
        int threads(void) { return omp_get_max_threads(); }
    """, "-fopenmp", "-Wl,-rpath,$ORIGIN")
    wheel(wheels, "openmpuser", "1.0", X86, {"openmpuser/_omp.so": so})
    lines: list[str] = []
    result = build(function_template(tmp_path / "app", "openmpuser==1.0\n"), lines)
    copy = result.functions["Fn"].task_root / "openmpuser" / "libgomp.so.1"  # type: ignore
    assert copy.is_file()
    assert any("vendored libgomp.so.1 from scikit-learn's wheel" in line for line in lines)
    script = (f"import ctypes; ctypes.CDLL({str(copy.parent / '_omp.so')!r}); "
              f"print(open('/proc/self/maps').read().count({str(copy)!r}) > 0)")
    loaded = subprocess.run([python(), "-I", "-S", "-c", script], capture_output=True,
                            text=True)
    assert loaded.stdout.strip() == "True", loaded.stderr  # found through $ORIGIN


def test_an_sdist_only_dependency_is_built_checked_tagged_and_cached(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=False)  # setuptools for the build
    sdist_with_extension(wheels, "onlysdist", "1.0")
    lines: list[str] = []
    path = function_template(tmp_path / "app", "onlysdist==1.0\n")
    result = build(path, lines)
    assert any("building onlysdist-1.0.tar.gz into a wheel with Python 3.11" in line
               for line in lines)
    (built,) = (tmp_path / "cache" / "build" / "wheels" / "cp311-x86_64").glob("*.whl")
    assert built.name == "onlysdist-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    root = result.functions["Fn"].task_root  # type: ignore[attr-defined]
    answer = subprocess.run([python(), "-I", "-S", "-c", f"import sys; sys.path[:0] = "
                             f"[{str(root)!r}]; import onlysdist; print(onlysdist.answer())"],
                            capture_output=True, text=True)
    assert answer.stdout.strip() == "42", answer.stderr
    (path.parent / "fn" / "requirements.txt").write_text("onlysdist==1.0\n# again\n")
    lines.clear()
    build(path, lines)  # a new install, the cached wheel
    assert not any("building onlysdist" in line for line in lines)


def test_a_layer_with_a_build_method_gets_its_requirements_under_python(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=True)
    wheel(wheels, "tinypure", "2.0", "py3-none-any", {"tinypure/__init__.py": b"V = 2\n"})
    path = function_template(tmp_path / "app", None, layer="python3.11")
    (tmp_path / "app" / "lib" / "requirements.txt").write_text("tinypure==2.0\n")
    (tmp_path / "app" / "lib" / "shared.py").write_text("X = 1\n")
    result = build(path)
    layer = result.layers["Lib"].path  # type: ignore[attr-defined]
    assert (layer / "python" / "tinypure" / "__init__.py").is_file()
    assert (layer / "python" / "shared.py").is_file()
    assert result.functions["Fn"].layers == (layer,)  # type: ignore[attr-defined]
    built = (path.parent / ".aws-sam" / "build" / "template.yaml").read_text()
    assert "ContentUri: Lib" in built and "CodeUri: Fn" in built


def test_a_layer_with_build_method_makefile_is_made_by_its_makefile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As aws-lambda-builders' custom_make workflow: `make build-<LogicalId>` in a copy of
    # the source folder, ARTIFACTS_DIR the layer's build folder; cached by the source.
    isolate_pip(monkeypatch, tmp_path, offline=True)
    path = function_template(tmp_path / "app", None, layer="makefile")
    (tmp_path / "app" / "lib" / "Makefile").write_text(
        "build-Lib:\n\tmkdir -p $(ARTIFACTS_DIR)/python\n"
        "\tcp made.py $(ARTIFACTS_DIR)/python/\n\ttouch in-the-scratch-copy\n"
        "\tcp _fast.cpython-310-x86_64-linux-gnu.so $(ARTIFACTS_DIR)/python/\n")
    (tmp_path / "app" / "lib" / "made.py").write_text("MADE = True\n")
    # What a Makefile running the host's pip makes: a module for another CPython, which
    # Lambda's python3.11 cannot import (found with a serverless-patterns app).
    (tmp_path / "app" / "lib" / "_fast.cpython-310-x86_64-linux-gnu.so").write_bytes(b"")
    lines: list[str] = []
    layer = build(path, lines).layers["Lib"].path  # type: ignore[attr-defined]
    assert (layer / "python" / "made.py").read_text() == "MADE = True\n"
    assert any("layer Lib holds binary modules for CPython 3.10 (_fast): python3.11 cannot "
               "import them" in line for line in lines), lines
    assert not (tmp_path / "app" / "lib" / "in-the-scratch-copy").exists()  # source untouched
    again: list[str] = []
    build(path, again)
    assert any("make build-Lib: cached" in line for line in again), again
    (tmp_path / "app" / "lib" / "Makefile").write_text("build-Lib:\n\texit 3\n")
    done = workbench("build", "--template", str(path))
    assert done.returncode == 2
    assert "`make build-Lib` failed (exit 2)" in done.stderr, done.stderr
    (tmp_path / "app" / "lib" / "Makefile").unlink()
    done = workbench("build", "--template", str(path))
    assert done.returncode == 2
    assert "BuildMethod makefile needs" in done.stderr and "no such file" in done.stderr


def test_an_arm64_function_resolves_aarch64_wheels(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=True)
    wheel(wheels, "archpick", "1.0", X86, {"archpick/__init__.py": b"ARCH = 'x86_64'\n"})
    wheel(wheels, "archpick", "1.1", "cp311-cp311-manylinux2014_aarch64",
          {"archpick/__init__.py": b"ARCH = 'aarch64'\n"})
    arm = build(function_template(tmp_path / "arm", "archpick\n", architecture="arm64"))
    x86 = build(function_template(tmp_path / "x86", "archpick\n"))
    for result, arch in ((arm, "aarch64"), (x86, "x86_64")):
        init = result.functions["Fn"].task_root / "archpick" / "__init__.py"  # type: ignore
        assert init.read_text() == f"ARCH = '{arch}'\n"
    # An x86_64 binary inside a wheel claiming aarch64 is caught by the ELF check.
    so = shared_object(tmp_path / "so", "_x.so", "int f(void) { return 0; }")
    wheel(wheels, "liar", "1.0", "cp311-cp311-manylinux2014_aarch64", {"liar/_x.so": so})
    with pytest.raises(BuildError, match="liar/_x.so is built for x86_64"):
        build(function_template(tmp_path / "liar", "liar\n", architecture="arm64"))


def test_a_function_for_another_architecture_runs_with_a_warning(tmp_path: Path) -> None:
    other = "arm64" if platform.machine() == "x86_64" else "x86_64"
    path = function_template(tmp_path / "app", None, architecture=other)
    done = workbench("invoke", "Fn", "--template", str(path))
    assert done.returncode == 0 and json.loads(done.stdout) == {"ok": True}  # pure Python
    assert (f"workbench: warning: Architectures [{other}] on this {platform.machine()} "
            "machine: the build holds") in done.stderr


def test_a_code_only_change_hits_the_cache(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=True)
    wheel(wheels, "tinypure", "2.0", "py3-none-any", {"tinypure/__init__.py": b"V = 2\n"})
    path = function_template(tmp_path / "app", "tinypure==2.0\n")
    lines: list[str] = []
    build(path, lines)
    assert any("dependencies: installing" in line for line in lines)
    (path.parent / "fn" / "app.py").write_text("def handler(e, c):\n    return 2\n")
    lines.clear()
    result = build(path, lines)
    assert any("dependencies: cached" in line for line in lines)
    root = result.functions["Fn"].task_root  # type: ignore[attr-defined]
    assert "return 2" in (root / "app.py").read_text()
    pyc = list((root / "tinypure" / "__pycache__").glob("*.cpython-311.pyc"))
    assert pyc and pyc[0].read_bytes()[4:8] == b"\x01\x00\x00\x00"  # unchecked hash


def test_over_the_size_limit_lists_the_largest_packages(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    heavy_wheel(isolate_pip(monkeypatch, tmp_path, offline=True))
    path = function_template(tmp_path / "app", "heavy==1.0\n")
    done = workbench("build", "--template", str(path), "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)["functions"]["Fn"]
    (problem,) = report["problems"]
    assert "over Lambda's 262,144,000-byte limit" in problem and "heavy-1.0 263.0 MB" in problem
    assert "container image" in problem and report["largest"][0][0] == "heavy-1.0"


@pytest.mark.parametrize("case", ["no-wheel", "unreachable", "no-code-uri"])
def test_bad_input_is_one_line_and_exit_2_leaving_nothing_half_built(
        case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=case != "unreachable")
    wheel(wheels, "newonly", "1.0", "cp311-cp311-manylinux_2_28_x86_64",
          {"newonly/__init__.py": b""})
    path = function_template(tmp_path / "app", "newonly==1.0\n")
    if case == "unreachable":
        monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
        monkeypatch.setenv("PIP_RETRIES", "1")  # pip names the error on a retry
        monkeypatch.setenv("PIP_TIMEOUT", "2")
        (path.parent / "fn" / "requirements.txt").write_text("not-in-find-links==1.0\n")
    if case == "no-code-uri":
        path.write_text(path.read_text().replace("CodeUri: fn", "CodeUri: nowhere"))
    done = workbench("build", "--template", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    expected = {"no-wheel": "newonly==1.0 has no wheel for python3.11 x86_64",
                "unreachable": "the package index is unreachable",
                "no-code-uri": "nowhere"}[case]
    assert line.startswith("workbench: ") and expected in line, line
    if case == "no-wheel":
        assert "manylinux_2_26..2_5_x86_64" in line
    build_dir = path.parent / ".aws-sam" / "build"
    assert not build_dir.exists() or list(build_dir.iterdir()) == []
    partials = list((tmp_path / "cache").rglob("*.partial*"))
    assert partials == []


def test_a_function_that_is_not_run_here_is_said_not_built(tmp_path: Path) -> None:
    path = function_template(tmp_path / "app", None)
    path.write_text(path.read_text() + "  Node:\n    Type: AWS::Serverless::Function\n"
                    "    Properties: {CodeUri: fn, Handler: app.handler, Runtime: nodejs22.x}\n")
    done = workbench("build", "--template", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert "==> Node: not built: Runtime 'nodejs22.x' is not run here" in done.stderr
    summary = json.loads(done.stdout)
    assert list(summary["functions"]) == ["Fn"] and "Node" in summary["not_built"]
    named = workbench("build", "--template", str(path), "Node")
    assert named.returncode == 2 and "nothing to build: no function is run here (Node: " \
        in named.stderr
    path.write_text(path.read_text().replace("Runtime: python3.11", "Runtime: java21"))
    alone = workbench("build", "--template", str(path))
    assert alone.returncode == 2 and alone.stderr.count("\n") == 1
    assert "nothing to build: no function is run here (Fn: Runtime 'java21'" in alone.stderr


def test_no_requirements_means_no_dependencies(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_pip(monkeypatch, tmp_path, offline=True)
    lines: list[str] = []
    result = build(function_template(tmp_path / "app", None), lines)
    assert "  dependencies: none (no requirements.txt)" in lines
    root = result.functions["Fn"].task_root  # type: ignore[attr-defined]
    assert sorted(p.name for p in root.iterdir()) == ["app.py"]


def test_runtimes_without_an_interpreter_say_how_to_get_one() -> None:
    assert Target("python3.99", "x86_64").interpreter() is None
    with pytest.raises(BuildError, match=r"^building x needs Python 3.99, .*pyenv install 3.99"):
        Target("python3.99", "x86_64").require_interpreter("building x")


def without_interpreters(tmp_path: Path) -> dict[str, str]:
    """The environment of a machine with no Python 3.14 (PATH and pyenv hold none)."""
    if Path("/usr/bin/python3.14").exists():
        pytest.skip("this machine has /usr/bin/python3.14")
    (tmp_path / "no-pyenv").mkdir()
    return {"PYENV_ROOT": str(tmp_path / "no-pyenv"), "PATH": "/usr/bin:/bin"}


def test_a_runtime_with_no_interpreter_here_still_builds_from_wheels(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=True)
    so = shared_object(tmp_path / "so", "_fast.cpython-314-x86_64-linux-gnu.so",
                       "int f(void) { return 1; }")
    wheel(wheels, "fastbin", "1.0", "cp314-cp314-manylinux_2_17_x86_64",
          {"fastbin/_fast.cpython-314-x86_64-linux-gnu.so": so, "fastbin/__init__.py": b""})
    wheel(wheels, "tinypure", "2.0", "py3-none-any", {"tinypure/__init__.py": b"V = 2\n"})
    path = function_template(tmp_path / "app", "fastbin==1.0\ntinypure==2.0\n",
                             runtime="python3.14")
    done = workbench("build", "--template", str(path), "--json", env=without_interpreters(tmp_path))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["functions"]["Fn"]
    root = Path(report["task_root"])
    assert (root / "fastbin" / "_fast.cpython-314-x86_64-linux-gnu.so").is_file()
    assert (root / "tinypure" / "__init__.py").is_file()
    assert not list(root.rglob("__pycache__"))  # no pyc for 3.14 from another Python
    notes = report["notes"]
    assert any(n.startswith("no pyc compiled: there is no Python 3.14 here") for n in notes)
    assert any("built for CPython 3.14 alone, in fastbin: Lambda loads them" in n for n in notes)
    assert "no pyc compiled" in done.stderr  # said while building, once per install


def test_an_sdist_with_no_interpreter_for_it_is_one_line_naming_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=False)  # setuptools for its metadata
    sdist_with_extension(wheels, "onlysdist", "1.0")
    path = function_template(tmp_path / "app", "onlysdist==1.0\n", runtime="python3.14")
    done = workbench("build", "--template", str(path), env=without_interpreters(tmp_path))
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("workbench: ") and "onlysdist==1.0 has no wheel for python3.14" in line
    assert "only an sdist (onlysdist-1.0.tar.gz); building it needs Python 3.14" in line
    assert not (path.parent / ".aws-sam" / "build" / "Fn").exists()


CORPUS = Path(__file__).parents[1] / "templates"


@pytest.mark.parametrize("name", ["sam/template.yaml", "auth/template.yaml",
                                  "openapi/template.yaml", "cfn/rest.yaml", "cfn/http.yaml",
                                  "cdk/CorpusStack.template.json", "nested/parent.yaml",
                                  "foreach/template.yaml", "zip/template.yaml"])
def test_the_built_template_loads_from_its_folder_as_the_source_does(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_pip(monkeypatch, tmp_path, offline=True)
    source = template.load(CORPUS / name)
    build_dir = tmp_path / "app" / ".aws-sam" / "build"
    result = build_template(source, build_dir=build_dir, say=lambda line: None)
    built = template.load(result.template)

    def routes(t: template.Template) -> set[tuple[str, str, str]]:
        return {(r.method, r.path, r.function) for r in t.routes}

    assert routes(built) == routes(source) and built.skipped == source.skipped
    assert set(built.functions) == set(source.functions)
    for function_name, spec in built.functions.items():
        before = source.functions[function_name]
        assert (spec.handler, spec.environment) == (before.handler, before.environment)
        if before.inline_code is None and "foreach" not in name:
            assert spec.code_uri == build_dir / function_name  # nested: Child/Function
            assert spec.layers == result.functions[function_name].layers
    lines: list[str] = []
    again = build_template(built, say=lines.append)  # a build's output is taken as built
    assert any("is a build's output: its functions are taken as built" in line
               for line in lines)
    assert {n: f.task_root for n, f in again.functions.items()} == \
        {n: s.code_uri for n, s in built.functions.items()}
    assert not (build_dir / ".aws-sam").exists()


def _build_tool_wheels(wheels: Path) -> None:
    """A stand-in for Cython (with a console script) and packages around it."""
    wheel(wheels, "cython", "9.0", "py3-none-any", {
        "Cython/__init__.py": b"", "cython.py": b"", "pyximport/__init__.py": b"",
        "cython-9.0.dist-info/entry_points.txt": b"[console_scripts]\ncython = Cython:main\n"})
    wheel(wheels, "needscython", "1.0", "py3-none-any", {
        "needscython/__init__.py": b"X = 1\n", "needscython/include/needs.h": b"int x;\n",
        "needscython/_examples/setup.py": b"from Cython.Build import cythonize\n",
        "needscython/core/include/deep/more.h": b"int y;\n",
        "needscython/core/include/deep/notes.txt": b"build notes\n",
        "needscython/lib/libneeds.a": b"!<arch>\n", "needscython/_speed.pyx": b"# cython\n",
        "needscython/_speed.c": b"int z;\n", "needscython/__init__.pyi": b"X: int\n",
        "include/__init__.py": b"# a package called include stays\n",
        "include/data.txt": b"kept\n"}, requires=("cython",))
    wheel(wheels, "usescython", "1.0", "py3-none-any",
          {"usescython/__init__.py": b"import cython\n"}, requires=("cython",))


@pytest.mark.parametrize("case", ["unused", "imported", "asked-for", "code-imports"])
def test_what_only_a_build_reads_is_removed_and_said(case: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = isolate_pip(monkeypatch, tmp_path, offline=True)
    _build_tool_wheels(wheels)
    requirements = {"unused": "needscython\n", "imported": "needscython\nusescython\n",
                    "asked-for": "needscython\nCython\n", "code-imports": "needscython\n"}[case]
    path = function_template(tmp_path / "app", requirements)
    if case == "code-imports":
        (tmp_path / "app" / "fn" / "app.py").write_text("import pyximport\n")
        with pytest.raises(BuildError, match=r"^Fn: app.py imports pyximport, which the "
                                             r"slimmed build removed as a build tool"):
            build(path)
        return
    lines: list[str] = []
    root = build(path, lines).functions["Fn"].task_root  # type: ignore[attr-defined]
    removed = [line for line in lines if "removed cython-9.0" in line]
    assert (root / "Cython").exists() == (case != "unused")
    assert (root / "cython-9.0.dist-info").exists() == (case != "unused")
    if case == "unused":
        assert removed and "a build tool needscython declares: nothing here imports cython, " \
            "Cython, pyximport" in removed[0]
        assert not (root / "bin").exists() and not (root / "pyximport").exists()
    else:
        assert not removed
    assert not (root / "bin").exists()  # console scripts go in every case
    left = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert not any(name.endswith((".h", ".a", ".pyx", ".c", ".pyi")) for name in left)
    assert "needscython/core/include/deep/notes.txt" not in left
    assert {"include/__init__.py", "include/data.txt", "needscython/__init__.py"} <= left
    said = next(line for line in lines if "removed what only a build reads" in line)
    assert "2 C/C++ headers" in said and "1 static libraries" in said and "1 type stubs" in said
    for record in root.glob("*.dist-info/RECORD"):  # RECORD lists only what is there
        for line in record.read_text().splitlines():
            assert (root / line.rsplit(",", 2)[0]).exists(), line
