"""moto's server, with one wire-format fix for the tests.

moto 5 answers CodeBuild's StartBuild, BatchGetBuilds and StopBuild with ISO-8601 strings for
startTime/endTime, where the real JSON API sends epoch seconds; the AWS SDK for JavaScript
rejects those answers ("Expected real number"). This wraps the three handlers to send what
CodeBuild sends. Nothing else about moto changes: it still runs no builds.
"""

import json
import sys
from datetime import datetime

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


_wrap("start_build", "build", False)
_wrap("stop_build", "build", False)
_wrap("batch_get_builds", "builds", True)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
