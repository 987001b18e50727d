"""Deploy the SAM template into LocalStack with plain API calls, idempotently.

What `sam deploy` would make, done with boto3 calls rather than a CloudFormation stack, so
that a redeploy skips what did not change (model archives, code with the same CodeSha256,
layers with the same content) and keeps the API id, so invoke URLs stay the same. It
builds first (`workbench.build`, cached) and publishes what the build made: each function's
package with its dependencies and each layer, as .zip archives, through S3 when one is over
Lambda's 50 MB direct-upload limit (as AWS requires); the default models as archives in S3,
read at INIT (QA_MODEL = s3://...); and a REST API with a proxy integration per route.
A function over Lambda's 250 MB unzipped limit cannot deploy as a .zip (AWS refuses it, and
so does LocalStack): its build folder runs in place through LocalStack's hot-reload bucket
instead, with its real dependencies, and the deploy says so (on AWS it would need a
container image).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from workbench import models
from workbench.build import BuiltFunction, build_template
from workbench.build.sizes import ZIPPED_DIRECT_LIMIT
from workbench.config import cache_dir
from workbench.errors import WorkbenchError
from workbench.localstack import service
from workbench.template import IMPLICIT_REST_API, FunctionSpec, Template

BUCKET = "lambda-workbench-models"
CODE_PREFIX = "code/"  # packages over the direct-upload limit go through S3 here
ROLE = "arn:aws:iam::000000000000:role/lambda-workbench"


@dataclass
class Deployment:
    endpoint: str
    region: str
    functions: dict[str, str] = field(default_factory=dict)  # logical id -> FunctionName
    models: dict[str, str] = field(default_factory=dict)  # logical id -> s3:// address
    apis: dict[str, str] = field(default_factory=dict)  # logical id -> REST API id
    urls: dict[str, str] = field(default_factory=dict)  # "POST /ner" -> invoke URL

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> Deployment:
        """What `save` wrote; a WorkbenchError naming the file when it is anything else."""
        try:
            done = cls(**json.loads(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise WorkbenchError(f"{path}: {exc.strerror}") from None
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            raise _not_saved(path, str(exc)) from None
        for name in ("functions", "models", "apis", "urls"):
            value = getattr(done, name)
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise _not_saved(path, f"{name!r} is not a map of names")
        return done


def _not_saved(path: Path, why: str) -> WorkbenchError:
    return WorkbenchError(f"{path}: not a deployment saved by `workbench localstack deploy` "
                          f"({why}): deploy again")


def client(name: str, endpoint: str, region: str) -> Any:
    # LocalStack accepts any credentials; retries off so a throttle is seen as one.
    return boto3.client(name, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 0}, read_timeout=900))


def deploy(template: Template, *, endpoint: str | None = None, region: str = "us-east-1",
           hot_reload: bool = False, say: Any = print) -> Deployment:
    endpoint = endpoint or service.endpoint()
    if service.health(int(endpoint.rsplit(":", 1)[1])) is None:
        raise WorkbenchError(f"LocalStack is not running at {endpoint}: "
                             "start it with `workbench localstack start`")
    for spec in template.functions.values():  # before the build: the cheap mistake first
        if spec.code_uri.name in models.LINKED:
            _built_model(spec.code_uri.name)
    built = build_template(template, say=say)
    done = Deployment(endpoint, region)
    s3 = client("s3", endpoint, region)
    lam = client("lambda", endpoint, region)
    _ensure_bucket(s3, region)
    publisher = _Publisher(s3, hot_reload)
    layers = {layer_id: _layer(lam, publisher, layer.path, layer_id, say)
              for layer_id, layer in built.layers.items()}
    arns: dict[str, str] = {}
    for logical_id, spec in template.functions.items():
        function = built.functions[logical_id]
        environment = dict(spec.environment)
        if (model := _model_name(spec, function)) is not None:
            address = _upload_model(s3, model, say)
            environment[f"{model.upper()}_MODEL"] = address
            done.models[logical_id] = address
        name = spec.function_name or logical_id
        code = publisher.code(function, spec, say)
        arns[logical_id] = _function(lam, name, spec, environment,
                                     [layers[i] for i in spec.layer_ids], code)
        done.functions[logical_id] = name
        say(f"==> function {name}: {spec.memory_mb} MB, timeout {spec.timeout_s:.0f} s")
    _rest_apis(template, client("apigateway", endpoint, region), arns, done, say)
    return done


# -- models ------------------------------------------------------------------------------

def _model_name(spec: FunctionSpec, function: BuiltFunction) -> str | None:
    """A function whose build left a default model out (handlers/qa/model) reads it from
    S3 at INIT; its variable is <NAME>_MODEL."""
    name = spec.code_uri.name
    return name if function.model is not None and name in models.LINKED else None


def _built_model(name: str) -> Path:
    directory = models.model_dir(name)
    if not directory.is_dir():
        raise WorkbenchError(f"the default {name} model is not built ({directory} is missing): "
                             f"run `workbench models build {name}`")
    return directory


def _upload_model(s3: Any, name: str, say: Any) -> str:
    directory = _built_model(name)
    key = f"models/{directory.name}.tar.gz"
    try:
        s3.head_object(Bucket=BUCKET, Key=key)
        say(f"==> model {name}: s3://{BUCKET}/{key} (already uploaded)")
    except ClientError:
        archive = directory.with_name(directory.name + ".tar.gz")
        if not archive.exists():
            partial = archive.with_name(archive.name + ".partial")
            with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
                tar.add(directory, arcname=name)
            partial.rename(archive)
        s3.upload_file(str(archive), BUCKET, key)
        say(f"==> model {name}: uploaded to s3://{BUCKET}/{key} "
            f"({archive.stat().st_size / 1e6:.1f} MB)")
    return f"s3://{BUCKET}/{key}"


def _ensure_bucket(s3: Any, region: str) -> None:
    try:
        s3.head_bucket(Bucket=BUCKET)
    except ClientError:
        extra = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=BUCKET, **extra)


# -- code, layers and functions ----------------------------------------------------------

def zip_folder(folder: Path) -> bytes:
    """A reproducible zip (sorted names, fixed times) so an unchanged folder is not
    redeployed: its CodeSha256 stays the same. Links (the default model's) stay out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            info = zipfile.ZipInfo(str(path.relative_to(folder)), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class _Publisher:
    """Each built folder as Lambda's `Code`: a .zip uploaded directly, or through S3 when
    over the direct-upload limit, or the folder itself (hot reload). Zips are kept in the
    cache under a digest of the folder's files (names, sizes, times), since zipping a
    200 MB build takes longer than the rest of a redeploy."""

    def __init__(self, s3: Any, hot_reload: bool) -> None:
        self.s3 = s3
        self.hot_reload = hot_reload

    def code(self, function: BuiltFunction, spec: FunctionSpec, say: Any) -> dict[str, Any]:
        folder = function.task_root
        if function.problems:
            # AWS refuses such a .zip, and so does LocalStack. Its hot-reload bucket takes a
            # folder of any size, so the build runs in place, dependencies and all.
            say(f"==> {function.name}: over Lambda's unzipped limit, so AWS would refuse it "
                f"as a .zip (it needs a container image there): LocalStack runs its build "
                f"({folder}) in place")
            return {"S3Bucket": "hot-reload", "S3Key": str(folder)}
        if self.hot_reload:
            return {"S3Bucket": "hot-reload", "S3Key": str(folder)}
        return self.archive(folder, say)

    def archive(self, folder: Path, say: Any) -> dict[str, Any]:
        data = _zipped(folder)
        if len(data) <= ZIPPED_DIRECT_LIMIT:
            return {"ZipFile": data}
        key = f"{CODE_PREFIX}{hashlib.sha256(data).hexdigest()[:32]}.zip"
        try:
            self.s3.head_object(Bucket=BUCKET, Key=key)
        except ClientError:
            say(f"==> {folder.name}: {len(data) / 1e6:.1f} MB zipped, over the 50 MB direct "
                f"upload limit: uploading through s3://{BUCKET}/{key}")
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        return {"S3Bucket": BUCKET, "S3Key": key, "_sha256": _sha256(data)}


def _zipped(folder: Path) -> bytes:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            digest.update(f"{path.relative_to(folder)}|{stat.st_size}|{stat.st_mtime_ns}\n"
                          .encode())
    cached = cache_dir() / "build" / "zips" / f"{digest.hexdigest()[:32]}.zip"
    if cached.exists():
        return cached.read_bytes()
    data = zip_folder(folder)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(cached.name + ".partial")
    partial.write_bytes(data)
    partial.replace(cached)
    return data


def _layer(lam: Any, publisher: _Publisher, folder: Path, logical_id: str, say: Any) -> str:
    name = f"workbench-{logical_id}"
    content: dict[str, Any] = publisher.archive(folder, say) if not publisher.hot_reload \
        else {"S3Bucket": "hot-reload", "S3Key": str(folder)}
    digest = content.pop("_sha256", None) or _sha256(
        content["ZipFile"] if "ZipFile" in content else str(content["S3Key"]).encode())
    versions = lam.list_layer_versions(LayerName=name).get("LayerVersions", [])
    for version in versions:
        if version.get("Description") == f"sha256:{digest}":
            return str(version["LayerVersionArn"])
    published = lam.publish_layer_version(LayerName=name, Content=content,
                                          Description=f"sha256:{digest}",
                                          CompatibleRuntimes=["python3.11"])
    return str(published["LayerVersionArn"])


def _function(lam: Any, name: str, spec: FunctionSpec, environment: dict[str, str],
              layers: list[str], code: dict[str, Any]) -> str:
    """Create or update the function; returns its ARN."""
    configuration = {
        "Runtime": spec.runtime, "Handler": spec.handler, "Role": ROLE,
        "MemorySize": spec.memory_mb, "Timeout": int(spec.timeout_s),
        "Environment": {"Variables": environment}, "Layers": layers,
    }
    architectures = [spec.architecture]
    sha256 = code.pop("_sha256", None) or (_sha256(code["ZipFile"]) if "ZipFile" in code
                                           else None)
    try:
        found = lam.get_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        current = lam.create_function(FunctionName=name, Code=code,
                                      Architectures=architectures, **configuration)
    else:
        current = found["Configuration"]
        # LocalStack reports a hot-reload folder as Code.Location file://<folder>.
        same_folder = code.get("S3Bucket") == "hot-reload" and \
            found.get("Code", {}).get("Location") == f"file://{code['S3Key']}"
        if not same_folder and (sha256 is None or current.get("CodeSha256") != sha256):
            lam.update_function_code(FunctionName=name, Architectures=architectures, **code)
            lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        lam.update_function_configuration(FunctionName=name, **configuration)
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    if spec.reserved_concurrency is not None:
        lam.put_function_concurrency(FunctionName=name,
                                     ReservedConcurrentExecutions=spec.reserved_concurrency)
    else:
        lam.delete_function_concurrency(FunctionName=name)
    return str(current["FunctionArn"])


# -- REST APIs ---------------------------------------------------------------------------

def _rest_apis(template: Template, apigw: Any, arns: dict[str, str], done: Deployment,
               say: Any) -> None:
    for api_id, api in template.apis.items():
        routes = [r for r in template.routes if r.api_id == api_id]
        if api.kind != "rest":
            say(f"==> {api_id}: HTTP API not deployed (LocalStack community has no "
                "API Gateway v2); its routes are served by `workbench serve`")
            continue
        if not routes:
            continue
        name = f"{template.path.stem}-{api_id}" if api_id != IMPLICIT_REST_API \
            else f"{template.path.stem}-api"
        rest_id = _find_or_create_api(apigw, name)
        resources = {r["path"]: r["id"] for r in
                     apigw.get_resources(restApiId=rest_id, limit=500)["items"]}
        for route in routes:
            resource = _resource(apigw, rest_id, resources, route.path)
            apigw.put_method(restApiId=rest_id, resourceId=resource, httpMethod=route.method,
                             authorizationType="NONE")
            apigw.put_integration(
                restApiId=rest_id, resourceId=resource, httpMethod=route.method,
                type="AWS_PROXY", integrationHttpMethod="POST",
                uri=f"arn:aws:apigateway:{done.region}:lambda:path/2015-03-31/functions/"
                    f"{arns[route.function]}/invocations")
            url = f"{done.endpoint}/_aws/execute-api/{rest_id}/{api.stage}{route.path}"
            done.urls[f"{route.method} {route.path}"] = url
            say(f"==> {route.method} {route.path}: {url}")
        apigw.create_deployment(restApiId=rest_id, stageName=api.stage,
                                variables=api.stage_variables or {})
        done.apis[api_id] = rest_id


def _find_or_create_api(apigw: Any, name: str) -> str:
    for item in apigw.get_rest_apis(limit=500).get("items", []):
        if item["name"] == name:
            return str(item["id"])
    return str(apigw.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})
               ["id"])


def _resource(apigw: Any, rest_id: str, resources: dict[str, str], path: str) -> str:
    """The resource for `path`, creating missing parents one segment at a time."""
    current = "/"
    for part in [p for p in path.split("/") if p]:
        child = current.rstrip("/") + "/" + part
        if child not in resources:
            resources[child] = apigw.create_resource(restApiId=rest_id,
                                                     parentId=resources[current],
                                                     pathPart=part)["id"]
        current = child
    return resources[current]
