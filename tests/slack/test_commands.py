"""/grouppush commands: who sees what, refusals, escaping, long work with progress."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from connectors.errors import ConnectorError
from tests.slack.conftest import CHANNEL, OPERATOR, READER, TRICKY, Bot
from tests.slack.standin import NOT_IN_CHANNEL, message_text


def ephemeral(bot: Bot) -> str:
    call = bot.slack.wait_for("response_url")
    assert call.args["response_type"] == "ephemeral"
    return message_text(call)


def test_help_is_ephemeral_and_mentions_the_dialogs(bot: Bot) -> None:
    assert bot.command("help").status_code == 200
    text = ephemeral(bot)
    assert "push GROUP to APP [--no-memberships]" in text and "opens the push dialog" in text
    bot.slack.quiet()
    assert bot.slack.called("chat.postMessage") == []


def test_bad_usage_says_how_to_write_it_and_changes_nothing(bot: Bot) -> None:
    bot.command("unlink Sales from box")
    text = ephemeral(bot)
    assert ":grey_question: " in text and "needs exactly one of --keep" in text
    assert "Usage: unlink GROUP from APP --keep | --delete" in text
    bot.slack.quiet()
    assert bot.slack.called("chat.postMessage") == []


def test_read_only_answers_are_ephemeral(bot: Bot) -> None:
    bot.command("search sales")
    text = ephemeral(bot)
    assert "Directory groups matching sales:" in text and '• "Sales Ops" (1 active member)' in text
    bot.slack.quiet()
    assert bot.slack.called("chat.postMessage") == []


def test_a_push_is_shown_in_the_channel_with_who_did_it(bot: Bot) -> None:
    bot.command("push Sales to box")
    working = bot.slack.wait_for("chat.postMessage")
    assert working.args["channel"] == CHANNEL
    assert working.args["blocks"][1]["text"]["text"] == ":hourglass_flowing_sand: working..."
    done = bot.slack.wait_for("chat.update", lambda c: "Pushed" in message_text(c))
    assert done.args["ts"] == working.result["ts"]
    assert done.args["text"] == (f"<@{OPERATOR}>: Pushed Sales to box: created the group and "
                                 "pushed 3 members.")
    assert done.args["blocks"][0]["elements"][0]["text"] == \
        f"<@{OPERATOR}> · /grouppush push Sales to box"
    assert bot.tenant.member_logins("Sales") == {"alice@acme.test", "bob@acme.test",
                                                 "carol@acme.test"}


def test_a_quick_change_is_shown_in_the_channel(bot: Bot) -> None:
    bot.command("push Sales to box")
    bot.slack.wait_for("chat.update", lambda c: "Pushed" in message_text(c))
    bot.command("deactivate Sales on box")
    call = bot.slack.wait_for("chat.postMessage", lambda c: "Deactivated" in message_text(c))
    assert call.args["channel"] == CHANNEL
    assert call.args["text"].startswith(f"<@{OPERATOR}>: Deactivated Sales on box")


def test_a_non_operator_is_refused_ephemerally_and_nothing_changes(bot: Bot) -> None:
    bot.command("push Sales to box", user=READER)
    text = ephemeral(bot)
    assert ":no_entry_sign: Only operators may change pushes; U0READER is not one" in text
    bot.command("deactivate Sales on box", user=READER)
    bot.slack.quiet()
    assert len(bot.slack.called("response_url")) == 2
    assert bot.slack.called("chat.postMessage") == []
    assert "Sales" not in bot.tenant.groups()


def test_a_non_operator_may_read(bot: Bot) -> None:
    bot.command("list", user=READER)
    assert "No groups are pushed yet" in ephemeral(bot)


def test_an_unknown_group_is_refused_and_the_working_message_removed(bot: Bot) -> None:
    bot.command("push Sals to box")
    text = ephemeral(bot)
    assert "No directory group named Sals. Closest: Sales" in text
    working = bot.slack.wait_for("chat.postMessage")
    removed = bot.slack.wait_for("chat.delete")
    assert (removed.args["channel"], removed.args["ts"]) == (CHANNEL, working.result["ts"])
    assert bot.slack.called("chat.update") == []


def test_directory_names_are_escaped_and_ping_nobody(bot: Bot) -> None:
    bot.command(f'push "{TRICKY}" to box')
    done = bot.slack.wait_for("chat.update", lambda c: "Pushed" in message_text(c))
    shown = message_text(done)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "*x*" not in shown and "\u200b*\u200bx\u200b*\u200b" in shown
    assert "<!channel>" not in done.args["text"]
    assert TRICKY in bot.tenant.groups()
    bot.command("list")
    listed = ephemeral(bot)
    assert "&lt;!channel&gt;" in listed and "<!channel>" not in listed


def test_the_result_goes_by_response_url_where_the_bot_is_not_a_member(bot: Bot) -> None:
    bot.command("push Sales to box", channel=NOT_IN_CHANNEL)
    call = bot.slack.wait_for("response_url", lambda c: "Pushed" in message_text(c))
    assert call.args["response_type"] == "in_channel"
    assert call.args["text"].startswith(f"<@{OPERATOR}>: Pushed Sales to box")


def test_a_group_the_app_already_has_is_refused_with_the_way_out(bot: Bot) -> None:
    bot.tenant.create_group("Marketing")
    bot.command("push Marketing to box")
    text = ephemeral(bot)
    assert "box already has a group named Marketing" in text
    assert "set enhanced_group_push: true for box" in text
    bot.slack.wait_for("chat.delete")
    assert bot.tenant.group_count("Marketing") == 1


def test_a_failed_push_shows_the_app_error_in_the_working_message(
        bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(group_id: str, user_ids: Sequence[str]) -> None:
        raise ConnectorError("adding members refused", status=400,
                             app_message="user <@U1> is not provisioned")

    monkeypatch.setattr(bot.service.apps["box"], "add_members", refuse)
    bot.command("push Sales to box")
    working = bot.slack.wait_for("chat.postMessage")
    done = bot.slack.wait_for("chat.update", lambda c: "Failed" in message_text(c))
    assert done.args["ts"] == working.result["ts"]
    text = message_text(done)
    assert ":warning: Failed: adding members refused (HTTP 400)" in text
    assert "&lt;@U1&gt;" in text and "<@U1>" not in text
    assert "Troubleshooting: The app refused the request" in text


def test_an_unexpected_error_never_leaves_working_behind(
        bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.service, "push", broken)
    bot.command("push Sales to box")
    done = bot.slack.wait_for("chat.update")
    assert "Failed unexpectedly; the bot's log has the details." in message_text(done)


def test_a_regex_typed_in_slack_keeps_its_backslashes(bot: Bot) -> None:
    bot.command(r"rule add r1 to box --regex ^Sales\s")
    done = bot.slack.wait_for("chat.update", lambda c: "r1" in message_text(c))
    assert r"^Sales\s" in message_text(done), message_text(done)
    assert "Sales Ops" in bot.tenant.groups() and "Sales" not in bot.tenant.groups()


def test_a_refusal_where_the_bot_is_not_a_member_leaves_no_working_message(bot: Bot) -> None:
    bot.command("push Nope to box", channel=NOT_IN_CHANNEL)
    refused = bot.slack.wait_for("response_url", lambda c: "No directory group" in
                                 message_text(c))
    assert refused.args["response_type"] == "ephemeral"
    removed = bot.slack.wait_for("response_url", lambda c: c.args.get("delete_original"))
    assert removed.at <= refused.at  # "working..." is gone before the refusal shows


def test_a_result_where_the_bot_is_not_a_member_replaces_working(bot: Bot) -> None:
    bot.command("push Sales to box", channel=NOT_IN_CHANNEL)
    done = bot.slack.wait_for("response_url", lambda c: "Pushed" in message_text(c))
    assert done.args.get("replace_original") is True
