"""Runtime errors are values: a stable code, the message, and a location when there is one."""

from __future__ import annotations

import pytest

from pocket.errors import PocketRuntimeError


def test_defaults_and_str_is_the_message():
    error = PocketRuntimeError("something is wrong")
    assert (error.code, error.where, error.message, str(error)) == ("runtime-error", None, "something is wrong", "something is wrong")


def test_queue_url_missing_names_the_variable(deployed):
    from pocket.django.utils import pocket_call_command

    deployed()
    with pytest.raises(PocketRuntimeError) as info:
        pocket_call_command("check", queue_key="jobs")
    assert (info.value.code, info.value.where) == ("queue-url-missing", "POCKET_JOBS_QUEUEURL")


def test_dotenv_error_points_at_the_line(pocket_isolation):
    from pocket.local import parse_dotenv

    with pytest.raises(PocketRuntimeError) as info:
        parse_dotenv("A=1\nB='open\n", source=".env")
    assert (info.value.code, info.value.where) == ("dotenv-invalid", ".env:2")


def test_stage_mismatch_and_secrets_document_codes(deployed, monkeypatch):
    from pocket.django.runtime import get_storages, set_envs

    with pytest.raises(PocketRuntimeError) as info:
        get_storages(stage="prd")
    assert info.value.code == "stage-mismatch"
    deployed()
    monkeypatch.setenv("POCKET_SECRETS", "[]")
    with pytest.raises(PocketRuntimeError) as info:
        set_envs()
    assert info.value.code == "secrets-document-malformed"


def test_sqs_failure_has_its_own_code():
    from pocket.django.lambda_handlers import SqsMessageFailed

    assert SqsMessageFailed("m").code == "sqs-message-failed"
    assert isinstance(SqsMessageFailed("m"), PocketRuntimeError)
