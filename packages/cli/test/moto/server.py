"""moto's server, with three additions for the tests.

1. A wire-format fix: moto 5 answers CodeBuild's StartBuild, BatchGetBuilds and StopBuild with
   ISO-8601 strings for startTime/endTime, where the real JSON API sends epoch seconds; the AWS
   SDK for JavaScript rejects those answers ("Expected real number"). The three handlers are
   wrapped to send what CodeBuild sends. moto still runs no builds.
2. A way to reach a state moto never produces: every stack creation succeeds in moto, but on AWS
   a failed creation leaves the stack in ROLLBACK_COMPLETE, which only deletion clears. A
   template whose Metadata has ``PocketTestFailCreate: <reason>`` ends that way, with the
   CREATE_FAILED event AWS would record, so the tests can drive pocket's recovery.
3. CodeBuild's UpdateProject, which moto does not implement: the fields pocket sends replace
   the stored ones, as the API reference describes; an unknown project is
   ResourceNotFoundException.
"""

import json
import sys
from datetime import datetime

from moto.cloudformation.models import Event, Stack
from moto.codebuild.responses import CodeBuildResponse
from moto.server import main

TIME_FIELDS = ("startTime", "endTime")


def _epoch(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return value


def _fix_build(build):
    build = dict(build)
    for field in TIME_FIELDS:
        if field in build:
            build[field] = _epoch(build[field])
    build["phases"] = [
        {k: (_epoch(v) if k in TIME_FIELDS else v) for k, v in phase.items()}
        for phase in build.get("phases", [])
    ]
    return build


def _wrap(name, key, many):
    original = getattr(CodeBuildResponse, name)

    def handler(self):
        body = json.loads(original(self))
        if many:
            body[key] = [_fix_build(b) for b in body.get(key, [])]
        elif body.get(key):
            body[key] = _fix_build(body[key])
        return json.dumps(body)

    setattr(CodeBuildResponse, name, handler)


def _update_project(self):
    from moto.codebuild.exceptions import ResourceNotFoundException

    name = self._get_param("name")
    project = self.codebuild_backend.codebuild_projects.get(name)
    if project is None:
        raise ResourceNotFoundException(f"Project cannot be found: {name}")
    meta = project.project_metadata
    for field in ("description", "source", "artifacts", "environment", "serviceRole", "timeoutInMinutes"):
        value = self._get_param(field)
        if value is not None:
            meta[field] = value
    if self._get_param("serviceRole"):
        project.service_role = self._get_param("serviceRole")
    meta["lastModifiedDate"] = datetime.now().timestamp()
    return json.dumps({"project": meta})


CodeBuildResponse.update_project = _update_project

_wrap("start_build", "build", False)
_wrap("stop_build", "build", False)
_wrap("batch_get_builds", "builds", True)

_create_resources = Stack.create_resources


def _create_resources_or_fail(self):
    reason = (self.template_dict.get("Metadata") or {}).get("PocketTestFailCreate")
    if not reason:
        return _create_resources(self)
    self.status = "CREATE_IN_PROGRESS"
    self._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    logical_id, resource = next(iter(self.template_dict.get("Resources", {}).items()))
    self.events.append(
        Event(
            stack_id=self.stack_id,
            stack_name=self.name,
            logical_resource_id=logical_id,
            physical_resource_id="",
            resource_type=resource.get("Type", "AWS::CloudFormation::WaitConditionHandle"),
            resource_status="CREATE_FAILED",
            resource_status_reason=reason,
            resource_properties=None,
        )
    )
    self._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason="The following resource(s) failed to create.")
    self._add_stack_event("ROLLBACK_COMPLETE")
    self.status = "ROLLBACK_COMPLETE"


Stack.create_resources = _create_resources_or_fail

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
