"""Block Kit views as plain functions: escaping, limits, buttons, dialogs, the Home tab."""

from __future__ import annotations

from bot.views import approvals, dialogs, replies
from bot.views.text import ZWSP, chunks, escape, mention, text_sections, unescape_command
from engine.core import Reply
from tests.slack.standin import block_problems

APPROVAL = {"id": "K7Q2XM", "summary": "unlink Sales from box and delete the app group",
            "requested_by": "U0OPS", "delete": True, "action": "unlink", "status": "pending",
            "expires_at": "2030-01-01 10:00:00 UTC", "decided_by": "", "outcome": ""}


def test_escape_neutralises_mentions_links_and_formatting() -> None:
    out = escape("<!channel> *x* _y_ ~z~ `c` a&b <@U123|bob> <https://evil|x>")
    assert "<" not in out and ">" not in out
    assert out.startswith("&lt;!channel&gt; ")
    assert "a&amp;b" in out
    for mark in "*_~`":
        assert f"{ZWSP}{mark}{ZWSP}" in out
    assert out.replace(ZWSP, "") == ("&lt;!channel&gt; *x* _y_ ~z~ `c` a&amp;b "
                                     "&lt;@U123|bob&gt; &lt;https://evil|x&gt;")


def test_slash_command_text_is_read_as_typed() -> None:
    assert unescape_command(" push \u201c&lt;!channel&gt; &amp; co\u201d to box ") == \
        'push "<!channel> & co" to box'


def test_mentions_only_for_slack_user_ids() -> None:
    assert mention("U0OPS") == "<@U0OPS>"
    assert mention("W123ABC") == "<@W123ABC>"
    assert mention("<!here>") == "&lt;!here&gt;"
    assert mention("console") == "console"


def test_long_text_is_split_into_sections_slack_accepts() -> None:
    text = "\n".join(f"• group {i} " + "x" * 80 for i in range(2000))
    sections = text_sections(text)
    assert len(sections) == 40
    assert "more lines" in sections[-1]["text"]["text"]
    assert block_problems(sections, "message") == []
    assert all(len(c) <= 2900 for c in chunks("y" * 7000))


def test_refusal_answer_is_escaped_with_an_icon() -> None:
    message = replies.answer(Reply.refused("No directory group named <!channel> *x*."))
    text = message["blocks"][0]["text"]["text"]
    assert text.startswith(":no_entry_sign: No directory group named &lt;!channel&gt;")
    assert "<!channel>" not in message["text"]


def test_result_says_who_did_it() -> None:
    message = replies.result(Reply(True, "Pushed Sales to box: pushed 3 members."), "U0OPS",
                             "push Sales to box")
    assert message["text"] == "<@U0OPS>: Pushed Sales to box: pushed 3 members."
    assert message["blocks"][0] == {"type": "context", "elements": [
        {"type": "mrkdwn", "text": "<@U0OPS> · /grouppush push Sales to box"}]}


def test_working_message_shows_members_pushed_of_total() -> None:
    text = replies.working("U0OPS", "push Big to box", 2500, 10000)["blocks"][1]["text"]["text"]
    assert "2,500 of 10,000 members pushed (25%)" in text


def test_delete_request_has_buttons_with_confirm_dialogs() -> None:
    message = approvals.request_message(APPROVAL, ["U0APPROVER"])
    actions = message["blocks"][-1]
    assert actions["type"] == "actions"
    approve, deny = actions["elements"]
    assert (approve["action_id"], approve["value"], approve["style"]) == \
        ("approval_approve", "K7Q2XM", "primary")
    assert (deny["action_id"], deny["value"], deny["style"]) == ("approval_deny", "K7Q2XM",
                                                                 "danger")
    assert approve["confirm"]["confirm"] == {"type": "plain_text", "text": "Approve and delete",
                                             "emoji": True}
    assert approve["confirm"]["style"] == "danger"
    assert deny["confirm"]["confirm"]["text"] == "Deny"
    assert "<@U0APPROVER>" in message["blocks"][1]["elements"][0]["text"]


def test_keep_request_has_no_confirm() -> None:
    actions = approvals.request_message({**APPROVAL, "delete": False}, [])["blocks"][-1]
    assert all("confirm" not in button for button in actions["elements"])


def test_decided_request_has_no_buttons() -> None:
    message = approvals.decided_message({**APPROVAL, "status": "approved",
                                         "decided_by": "U0APPROVER",
                                         "outcome": "Sales deleted from box."})
    assert all(block["type"] != "actions" for block in message["blocks"])
    assert ":white_check_mark: *Approved* by <@U0APPROVER>: Sales deleted from box." in \
        message["blocks"][1]["text"]["text"]


def test_push_dialog_shape() -> None:
    view = dialogs.push_dialog(["box", "wiki"], "C0OPS")
    assert view["callback_id"] == "push_dialog" and view["private_metadata"] == "C0OPS"
    group, app, memberships, waiting = view["blocks"]
    assert group["element"]["type"] == "external_select"
    assert group["element"]["action_id"] == "group_select"
    assert [o["value"] for o in app["element"]["options"]] == ["box", "wiki"]
    assert memberships["element"]["initial_options"] == memberships["element"]["options"]
    assert all(b["dispatch_action"] for b in (group, app, memberships))  # each choice: a plan
    assert "to see what the push will do" in waiting["elements"][0]["text"]
    assert block_problems(view["blocks"], "modal") == []


def test_push_plan_names_the_first_ten_and_counts_the_rest() -> None:
    many = [f"user{n:02d}@acme.test" for n in range(12)]
    plan = {"group": "Sales", "app": "box", "app_group": "link", "app_group_name": "Sales",
            "app_group_id": "a1", "add": many, "remove": ["old@acme.test"], "skipped": [],
            "held": False}
    blocks = dialogs.plan_blocks([plan], memberships=True)
    text = blocks[1]["text"]["text"]
    assert text.splitlines()[1:] == [
        "• Link box's existing group *Sales* (id a1) and make its members match",
        "• Add 12 members: " + ", ".join(many[:10]) + " and 2 more",
        "• Remove 1 member: old@acme.test"]
    assert block_problems(blocks, "modal") == []
    nothing = dialogs.plan_blocks([{**plan, "app_group": "keep", "add": [], "remove": []}],
                                  memberships=True)
    assert nothing[1]["text"]["text"].endswith("\n• Nothing to change")


def test_group_options_use_ids_and_fit_slack_limits() -> None:
    options = dialogs.group_options([("g-1", "S" * 200), ("g-2", "<!channel>")])
    assert options[0]["value"] == "g-1" and len(options[0]["text"]["text"]) == 75
    assert options[1]["text"] == {"type": "plain_text", "text": "<!channel>", "emoji": True}


def test_rule_dialog_preview_lists_matches() -> None:
    extra = dialogs.preview_blocks("--starts-with Sales", ["Sales", "Sales Ops"])
    view = dialogs.rule_dialog(["box"], "C0OPS", extra)
    assert view["blocks"][-1]["text"]["text"].endswith("• Sales\n• Sales Ops")
    pattern = next(b for b in view["blocks"] if b.get("block_id") == "pattern")
    assert pattern["dispatch_action"] is True
