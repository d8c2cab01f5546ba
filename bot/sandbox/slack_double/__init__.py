"""A local stand-in for Slack's Web API, for the demo, the benchmarks and the tests that drive
the real Bolt App and WebClient.

Only Slack's servers are replaced: point a real ``slack_sdk.WebClient`` at the double with
``base_url=double.api_url`` and every API call, file upload and ``response_url`` post lands
here, is recorded as a :class:`Call`, and is answered the way Slack answers it.

    from bot.sandbox.slack_double import SlackDouble

    with SlackDouble() as slack:
        slack.add_user("U1", real_name="Ada")
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        client.chat_postMessage(channel="C1", text="hi")
        call = slack.wait_for("chat.postMessage")
        assert call.params["text"] == "hi"

Things worth knowing:

* Calls are recorded in arrival order, including failed attempts (``Call.failed``), so a test
  can count retries. Header names in ``Call.headers`` are lower-cased (urllib sends
  ``Content-type``/``User-agent``; Slack does not care about case and neither should tests).
* Form-encoded params stay strings, as Slack receives them (``True`` arrives as ``"1"``,
  ``files`` of ``files.completeUploadExternal`` is a JSON string); JSON bodies keep their types.
* The byte upload of ``files_upload_v2`` is recorded as a call with method ``"upload"`` and
  its bytes land in :attr:`SlackDouble.uploads`; a ``response_url`` post is recorded with
  method ``"response_url"``. Both names work with :meth:`SlackDouble.fail_next` too.
* Posted messages are kept per channel, with their ``metadata``, and answered by
  ``conversations.history`` (newest first; the metadata only with ``include_all_metadata``),
  changed by ``chat.update`` and removed by ``chat.delete``; :meth:`SlackDouble.messages`
  shows them (:meth:`SlackDouble.message` one of them). Message timestamps follow the clock
  (``time.time()``), strictly increasing.
* A thread's kept messages answer ``conversations.replies`` (the parent first, then the
  replies oldest first) and kept messages have a ``chat.getPermalink``; users registered with
  an ``email`` are found by ``users.lookupByEmail``. ``reactions.add`` keeps no state.
* Only messages posted through the double are kept: a message a person posts (a signed event
  sent to the app) is not, so it has no permalink here. A thread whose parent is such a
  message is still known by its kept replies, and an assistant thread (Slack makes its first
  message) by the ``assistant.threads.*`` calls naming it: ``conversations.replies`` answers
  their kept replies, and ``thread_not_found`` only for threads the double knows nothing of.
* ``assistant.threads.setStatus`` (``status`` required, at most 10 ``loading_messages``),
  ``setTitle`` (a ``title``) and ``setSuggestedPrompts`` (one to four ``{title, message}``
  prompts; ``thread_ts`` optional, as for an agent app's DM) are checked as Slack checks them
  (``invalid_arguments``, ``channel_not_found``, ``invalid_thread_ts``) and kept:
  :meth:`SlackDouble.assistant_status` (cleared when a message is posted in the thread),
  :meth:`SlackDouble.assistant_title`, :meth:`SlackDouble.suggested_prompts`.
* Every answer to the bot token carries the scopes it was granted in ``x-oauth-scopes``
  (``SlackDouble.scopes``, the manifest's by default), as Slack's do. ``apps.connections.open``
  takes the app-level token (``SlackDouble.app_token``) and answers the URL of the Socket Mode
  double attached to it (``bot/sandbox/socket_mode_double.py``).
* :meth:`SlackDouble.reset` forgets calls, uploads and messages but keeps the directory
  (users, groups, channels) and the failure plans; :meth:`SlackDouble.clear_failures` drops
  the plans.

Three layers, one module each: what the double keeps (``state.py``: the directory, messages,
uploads), the Web API methods' answers from and into it (``methods.py``), and the HTTP server
that checks tokens, plans failures and records calls (``server.py``).
"""

from bot.sandbox.slack_double.server import Call, SlackDouble
from bot.sandbox.slack_double.state import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    BOT_USER_NAME,
    TEAM_ID,
    TEAM_NAME,
    TEAM_URL,
    Upload,
)

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "BOT_USER_NAME",
    "TEAM_ID",
    "TEAM_NAME",
    "TEAM_URL",
    "Call",
    "SlackDouble",
    "Upload",
]
