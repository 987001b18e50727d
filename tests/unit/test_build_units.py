"""The build's pure parts: platform tags per runtime, sizes against the limits, the built
template's paths, the cache key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench import template
from workbench.build import assemble, built_template, deps, sizes
from workbench.build.elf import glibc_version, libstdcxx_version
from workbench.build.pip import _versions
from workbench.build.platforms import Target
from workbench.template import FunctionSpec, LayerSpec


@pytest.mark.parametrize("runtime, glibc, image", [
    ("python3.9", (2, 26), "Amazon Linux 2"), ("python3.11", (2, 26), "Amazon Linux 2"),
    ("python3.12", (2, 34), "Amazon Linux 2023"), ("python3.14", (2, 34), "Amazon Linux 2023"),
])
def test_the_runtime_decides_the_glibc(runtime: str, glibc: tuple[int, int], image: str) -> None:
    target = Target(runtime, "x86_64")
    assert (target.glibc, target.image) == (glibc, image)
    assert target.platforms[0] == f"manylinux_2_{glibc[1]}_x86_64"
    assert f"manylinux_2_{glibc[1] + 1}_x86_64" not in target.platforms


def test_every_manylinux_tag_up_to_the_glibc_with_the_legacy_aliases() -> None:
    platforms = Target("python3.11", "x86_64").platforms
    assert {"manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux2010_x86_64",
            "manylinux1_x86_64", "manylinux_2_24_x86_64"} <= set(platforms)
    arm = Target("python3.12", "arm64").platforms
    assert arm[0] == "manylinux_2_34_aarch64" and "manylinux2014_aarch64" in arm
    assert not any("x86_64" in p or "manylinux2010" in p for p in arm)
    assert Target("python3.12", "arm64").abi == "cp312"


@pytest.mark.parametrize("name, version", [
    ("GLIBC_2.28", (2, 28)), ("GLIBC_2.2.5", (2, 2)), ("GLIBC_PRIVATE", None),
    ("GLIBCXX_3.4.21", None), ("GCC_3.0", None),
])
def test_glibc_version_names(name: str, version: tuple[int, int] | None) -> None:
    assert glibc_version(name) == version


@pytest.mark.parametrize("name, version", [
    ("GLIBCXX_3.4.26", ("GLIBCXX", (3, 4, 26))), ("CXXABI_1.3.11", ("CXXABI", (1, 3, 11))),
    ("GLIBCXX_3.4", ("GLIBCXX", (3, 4))), ("CXXABI_TM_1", None), ("GLIBC_2.28", None),
])
def test_libstdcxx_version_names(name: str, version: tuple[str, tuple[int, ...]] | None) -> None:
    assert libstdcxx_version(name) == version


def test_each_image_has_its_gcc_libstdcxx() -> None:
    assert Target("python3.11", "x86_64").libstdcxx[1]["GLIBCXX"] == (3, 4, 24)  # GCC 7
    assert Target("python3.12", "arm64").libstdcxx[1]["CXXABI"] == (1, 3, 13)  # GCC 11


def test_over_the_unzipped_limit_lists_the_largest_and_the_remedies() -> None:
    largest = [(f"pkg{i}", sizes.Size(30_000_000 - i, 1)) for i in range(12)]
    assert sizes.over_limit("F", sizes.Size(sizes.UNZIPPED_LIMIT, 0), largest) is None
    problem = sizes.over_limit("F", sizes.Size(sizes.UNZIPPED_LIMIT + 1, 0), largest)
    assert problem is not None and "262,144,001 bytes" in problem
    assert "pkg9" in problem and "pkg10" not in problem  # the ten largest
    assert "container image" in problem and "S3" in problem
    assert sizes.upload_note("F", sizes.ZIPPED_DIRECT_LIMIT) is None
    assert "through S3" in (sizes.upload_note("F", sizes.ZIPPED_DIRECT_LIMIT + 1) or "")


def test_zipped_size_is_close_to_a_real_zip(tmp_path: Path) -> None:
    import zipfile

    (tmp_path / "a.txt").write_text("lambda " * 5000)
    (tmp_path / "b.bin").write_bytes(bytes(range(256)) * 40)
    measured = sizes.measure(tmp_path)
    archive = tmp_path.parent / "real.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("a.txt", "b.bin"):
            zf.write(tmp_path / name, name)
    assert measured.unzipped == 35000 + 10240
    assert abs(measured.zipped - archive.stat().st_size) < 200


def test_built_template_points_at_the_build_folders(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    source = tmp_path / "template.yaml"
    source.write_text(
        "Resources:\n"
        "  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: src}}\n"
        "  Built:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src, Handler: app.handler, Layers: [!Ref Layer]}\n"
        "  Other:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src, Handler: app.handler}\n"
        "  Remote:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: s3://bucket/key.zip, Handler: app.handler}\n")
    build_dir = tmp_path / ".aws-sam" / "build"
    build_dir.mkdir(parents=True)
    from cfn_tools import load_yaml

    written = load_yaml(built_template.write(source, build_dir, {"Built", "Layer"}).read_text())
    resources = written["Resources"]
    assert resources["Built"]["Properties"]["CodeUri"] == "Built"
    assert resources["Layer"]["Properties"]["ContentUri"] == "Layer"
    assert resources["Other"]["Properties"]["CodeUri"] == "../../src"
    assert resources["Remote"]["Properties"]["CodeUri"] == "s3://bucket/key.zip"
    assert resources["Built"]["Properties"]["Layers"] == [{"Ref": "Layer"}]


# Every place a template holds a local path, and what it must read from .aws-sam/build.
PATHS = """\
Transform: AWS::Serverless-2016-10-31
Metadata:
  AWS::ServerlessRepo::Application: {ReadmeUrl: README.md, LicenseUrl: https://x/LICENSE}
Globals:
  Function: {CodeUri: src}
  Api: {DefinitionUri: api/global.yaml}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      DefinitionBody:
        Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./api/swagger.yaml}}
  Http: {Type: AWS::Serverless::HttpApi, Properties: {DefinitionUri: api/http.yaml}}
  Rest: {Type: AWS::ApiGateway::RestApi, Properties: {BodyS3Location: api/body.yaml}}
  RestOnS3:
    Type: AWS::ApiGateway::RestApi
    Properties: {BodyS3Location: {Bucket: b, Key: k}}
  Cdk:
    Type: AWS::Lambda::Function
    Properties: {Code: {S3Bucket: cdk-bucket, S3Key: x.zip}, Handler: app.handler}
    Metadata: {aws:asset:path: asset.abc, aws:asset:property: Code}
  CdkApi:
    Type: AWS::ApiGateway::RestApi
    Properties: {BodyS3Location: {Bucket: cdk-bucket, Key: y.yaml}}
    Metadata: {aws:asset:path: ./spec.yaml, aws:asset:property: BodyS3Location}
  Inline: {Type: AWS::Serverless::Function, Properties: {InlineCode: "x = 1", Handler: i.h}}
  ZipFile: {Type: AWS::Lambda::Function, Properties: {Code: {ZipFile: "x = 1"}}}
  Absolute: {Type: AWS::Serverless::Function, Properties: {CodeUri: /opt/code}}
  Machine: {Type: AWS::StepFunctions::StateMachine, Properties: {DefinitionS3Location: m.json}}
  Glue: {Type: AWS::Glue::Job, Properties: {Command: {ScriptLocation: jobs/etl.py}}}
  Graph:
    Type: AWS::Serverless::GraphQLApi
    Properties:
      SchemaUri: graph/schema.graphql
      Functions: {Get: {CodeUri: graph/get.js}}
      Resolvers: {Query: {Item: {CodeUri: graph/item.js}}}
  Fn::ForEach::Loop:
    - Name
    - [a, b]
    - ${Name}Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: loop}}
  Child: {Type: AWS::Serverless::Application, Properties: {Location: nested/child.yaml}}
  Stack: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: file://nested/child.yaml}}
  Missing: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: nested/none.yaml}}
  Far: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: https://s3/x.yaml}}
"""
CHILD = """\
Resources:
  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: ../fn}}
  Api: {Type: AWS::Serverless::Api, Properties: {DefinitionUri: spec.yaml}}
"""


def test_every_local_path_of_the_built_template_reads_from_the_build_folder(
        tmp_path: Path) -> None:
    from cfn_tools import load_yaml

    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "child.yaml").write_text(CHILD)
    source = tmp_path / "template.yaml"
    source.write_text(PATHS)
    build_dir = tmp_path / ".aws-sam" / "build"
    written = load_yaml(built_template.write(source, build_dir, {
        "Cdk", "Inline", "ZipFile", "Child/Fn"}).read_text())
    up = "../../"
    res = {k: v.get("Properties", {}) for k, v in written["Resources"].items()
           if isinstance(v, dict)}
    assert written["Globals"] == {"Function": {"CodeUri": up + "src"},
                                  "Api": {"DefinitionUri": up + "api/global.yaml"}}
    assert written["Metadata"]["AWS::ServerlessRepo::Application"] == {
        "ReadmeUrl": up + "README.md", "LicenseUrl": "https://x/LICENSE"}
    include = res["Api"]["DefinitionBody"]["Fn::Transform"]["Parameters"]["Location"]
    assert include == up + "api/swagger.yaml"
    assert res["Http"]["DefinitionUri"] == up + "api/http.yaml"
    assert res["Rest"]["BodyS3Location"] == up + "api/body.yaml"
    assert res["RestOnS3"]["BodyS3Location"] == {"Bucket": "b", "Key": "k"}
    assert res["Cdk"]["Code"] == "Cdk"
    assert written["Resources"]["Cdk"]["Metadata"]["aws:asset:path"] == "Cdk"
    assert written["Resources"]["CdkApi"]["Metadata"]["aws:asset:path"] == up + "spec.yaml"
    assert res["Inline"] == {"InlineCode": "x = 1", "Handler": "i.h"}  # inline stays inline
    assert res["ZipFile"]["Code"] == {"ZipFile": "x = 1"}
    assert res["Absolute"]["CodeUri"] == "/opt/code"
    assert res["Machine"]["DefinitionS3Location"] == up + "m.json"
    assert res["Glue"]["Command"]["ScriptLocation"] == up + "jobs/etl.py"
    assert res["Graph"]["SchemaUri"] == up + "graph/schema.graphql"
    assert res["Graph"]["Functions"]["Get"]["CodeUri"] == up + "graph/get.js"
    assert res["Graph"]["Resolvers"]["Query"]["Item"]["CodeUri"] == up + "graph/item.js"
    loop = written["Resources"]["Fn::ForEach::Loop"][2]["${Name}Fn"]["Properties"]
    assert loop["CodeUri"] == up + "loop"
    assert res["Child"]["Location"] == "Child/template.yaml"
    assert res["Stack"]["TemplateURL"] == "Stack/template.yaml"
    assert res["Missing"]["TemplateURL"] == up + "nested/none.yaml"
    assert res["Far"]["TemplateURL"] == "https://s3/x.yaml"
    child = load_yaml((build_dir / "Child" / "template.yaml").read_text())["Resources"]
    assert child["Fn"]["Properties"]["CodeUri"] == "Fn"  # built as Child/Fn
    assert child["Api"]["Properties"]["DefinitionUri"] == up + "../nested/spec.yaml"
    stack = load_yaml((build_dir / "Stack" / "template.yaml").read_text())["Resources"]
    assert stack["Fn"]["Properties"]["CodeUri"] == up + "../fn"  # not built under Stack/


def test_the_cache_key_is_what_the_install_is_built_from(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("-r base.txt\nsix==1.16.0\n")
    (tmp_path / "base.txt").write_text("idna==3.7\n")
    target = Target("python3.11", "x86_64")
    first = deps.key(requirements, target, True)
    assert first == deps.key(requirements, target, True)
    assert first != deps.key(requirements, target, False)
    assert first != deps.key(requirements, Target("python3.12", "x86_64"), True)
    assert first != deps.key(requirements, Target("python3.11", "arm64"), True)
    (tmp_path / "base.txt").write_text("idna==3.8\n")  # an included file counts too
    assert first != deps.key(requirements, target, True)


def test_the_versions_pip_saw_are_the_newest_few() -> None:
    many = ", ".join(f"1.{i}" for i in range(30))
    output = ("ERROR: Could not find a version that satisfies the requirement x "
              f"(from versions: {many})")
    assert _versions(output) == "1.22, 1.23, 1.24, 1.25, 1.26, 1.27, 1.28, 1.29 (and 22 earlier)"
    assert _versions(output.replace(many, "1.0, 2.0")) == "1.0, 2.0"
    assert _versions(output.replace(many, "none")) == "none"


def _code_with_editor_files(folder: Path) -> Path:
    for relative in ("app.py", ".idea/workspace.xml", ".vscode/settings.json", ".gitignore",
                     "tool.egg-info/PKG-INFO", "pkg/__init__.py", "pkg/.idea/misc.xml",
                     "_speedups.so"):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text("x")
    return folder


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_a_function_is_built_without_what_sam_build_leaves_out(tmp_path: Path) -> None:
    code = _code_with_editor_files(tmp_path / "fn")
    spec = FunctionSpec(name="Fn", handler="app.handler", runtime="python3.11", code_uri=code)
    built = assemble.function(spec, [], tmp_path / "stage", slim=True, say=[].append)
    # aws-lambda-builders' python_pip excludes, at any depth; a vendored .so is kept
    assert _files(built.task_root) == {"app.py", "pkg/__init__.py", "_speedups.so"}


def test_a_layer_without_a_build_method_is_copied_as_it_deploys(tmp_path: Path) -> None:
    content = _code_with_editor_files(tmp_path / "lib")
    built = assemble.layer(LayerSpec("Lib", content), tmp_path / "stage", slim=True,
                           say=[].append)
    assert _files(built.path) == _files(content)  # `sam deploy` zips the folder as it is


def test_a_cdk_asset_is_built_as_cdk_deploy_uploads_it(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # nothing may be installed
    asset = _code_with_editor_files(tmp_path / "cdk.out" / "asset.1f2e")
    (asset / "requirements.txt").write_text("no-such-package==1.0\n")
    (tmp_path / "cdk.out" / "Stack.template.json").write_text(json.dumps({"Resources": {
        "Fn1A2B3C4D": {"Type": "AWS::Lambda::Function",
                       "Properties": {"Code": {"S3Bucket": "cdk-bucket", "S3Key": "1f2e.zip"},
                                      "Handler": "app.handler", "Runtime": "python3.11"},
                       "Metadata": {"aws:cdk:path": "Stack/Fn/Resource",
                                    "aws:asset:path": "asset.1f2e",
                                    "aws:asset:is-bundled": False,
                                    "aws:asset:property": "Code"}}}}))
    spec = template.load(tmp_path / "cdk.out" / "Stack.template.json").functions["Fn1A2B3C4D"]
    lines: list[str] = []
    built = assemble.function(spec, [], tmp_path / "stage", slim=True, say=lines.append)
    assert _files(built.task_root) == _files(asset)  # bundled or not, it deploys as it is
    assert built.packages == {}
    assert any("requirements.txt is not installed: a CDK asset deploys as it is" in note
               for note in built.notes), built.notes


def test_a_cdk_nested_stack_is_built_under_its_construct_id(tmp_path: Path) -> None:
    from cfn_tools import load_yaml

    source = Path(__file__).parents[1] / "templates" / "cdk" / "NestingStack.template.json"
    for built in ("Handler886CB40B", "Orders/Handler886CB40B"):
        (tmp_path / built).mkdir(parents=True)
        (tmp_path / built / "app.py").write_text("def handler(event, context): pass\n")
    built_template.write(source, tmp_path, {"Handler886CB40B", "Orders/Handler886CB40B"})
    parent = load_yaml((tmp_path / "template.yaml").read_text())["Resources"]
    stack = parent["OrdersNestedStackOrdersNestedStackResource8B6E3CDE"]
    assert stack["Properties"]["TemplateURL"] == "Orders/template.yaml"
    assert stack["Metadata"]["aws:asset:path"] == "Orders/template.yaml"  # read first
    child = load_yaml((tmp_path / "Orders" / "template.yaml").read_text())["Resources"]
    assert child["Handler886CB40B"]["Metadata"]["aws:asset:path"] == "Handler886CB40B"
    assert template.load(tmp_path / "template.yaml").functions.keys() == {
        "Handler886CB40B", "Orders/Handler886CB40B", "Front0087DB4F"}
