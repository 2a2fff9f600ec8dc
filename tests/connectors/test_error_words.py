"""Errors in words: Okta's failures get Okta's hints, the wire's failures no class names."""

from __future__ import annotations

import httpx
import pytest

from connectors.errors import AuthError, UnreachableError
from connectors.http import HttpSender
from connectors.okta import OktaDirectory, OktaSettings
from tests.servers import free_port
from tests.standins import loopback_client
from tests.standins.okta import OktaStandIn


def test_okta_refusing_the_token_points_at_the_okta_token() -> None:
    okta = OktaStandIn()
    try:
        settings = OktaSettings(org_url=okta.org_url, token="not-the-token-99").validate()
        directory = OktaDirectory(settings, loopback_client(), sleep=lambda _: None)
        with pytest.raises(AuthError) as refused:
            directory.search_groups("Sales")
    finally:
        okta.stop()
    assert "directory.token" in refused.value.hint and "Okta" in refused.value.hint
    assert "app" not in refused.value.hint.replace("apps", "")


def test_no_answer_is_said_in_words_not_class_names() -> None:
    sender = HttpSender(httpx.Client(), app="box", retries=0, sleep=lambda _: None)
    with pytest.raises(UnreachableError) as failed:
        sender.request("GET", f"http://127.0.0.1:{free_port()}/v2/Groups", what="reading groups")
    assert str(failed.value) == ("box did not answer reading groups: could not connect (is the "
                                 "URL right and the app up?)")
    assert "Error" not in failed.value.describe()
