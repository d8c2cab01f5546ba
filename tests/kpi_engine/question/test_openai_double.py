"""The OpenAI API double (openai_double.py) answers like the Chat Completions API: checked on
raw HTTP (the body, the status, the headers, every request recorded) and with the real
`ChatOpenAI` client reading both of its structured-output shapes into a QueryDraft."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from kpi_engine.question.draft import QueryDraft

from .openai_double import API_KEY, OpenAIDouble, RateLimited, ServerError, Slow

READING = {"metric": "fcr", "period": "last week"}
SCHEMA = {"type": "json_schema", "json_schema": {
    "name": "Reading", "strict": True,
    "schema": {"type": "object", "additionalProperties": False,
               "properties": {"metric": {"type": "string"}}, "required": ["metric"]}}}
TOOL = {"type": "function", "function": {"name": "Reading", "parameters": {
    "type": "object", "properties": {"metric": {"type": "string"}}}}}
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


def post(api: OpenAIDouble, body: dict, *, key: str = API_KEY,
         path: str = "/chat/completions") -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        api.base_url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with DIRECT.open(request, timeout=5) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def ask(**extra) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "read it"},
                                                 {"role": "user", "content": "FCR last week"}],
            **extra}


def test_a_json_schema_request_gets_the_reading_as_json_content():
    with OpenAIDouble(lambda request: READING) as api:
        status, body, headers = post(api, ask(response_format=SCHEMA))

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("chatcmpl-")
    assert body["model"] == "gpt-4o-mini"
    [choice] = body["choices"]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    assert json.loads(choice["message"]["content"]) == READING
    assert "tool_calls" not in choice["message"]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_a_forced_tool_call_gets_the_reading_as_the_call_s_arguments():
    forced = {"type": "function", "function": {"name": "Reading"}}
    with OpenAIDouble(lambda request: READING) as api:
        _, forced_body, _ = post(api, ask(tools=[TOOL], tool_choice=forced))
        _, offered_body, _ = post(api, ask(tools=[TOOL]))

    message = forced_body["choices"][0]["message"]
    assert message["content"] is None
    [call] = message["tool_calls"]
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"]["name"] == "Reading"
    assert json.loads(call["function"]["arguments"]) == READING
    # OpenAI ends a call forced by tool_choice with "stop", a chosen one with "tool_calls"
    assert forced_body["choices"][0]["finish_reason"] == "stop"
    assert offered_body["choices"][0]["finish_reason"] == "tool_calls"


def test_every_request_is_recorded_with_what_the_reader_is_given():
    seen = []

    def reader(request):
        seen.append((request.text_of("system"), request.text_of("user"),
                     request.response_format, request.tools))
        return READING

    with OpenAIDouble(reader) as api:
        post(api, ask(response_format=SCHEMA))
        post(api, ask(), key="sk-wrong-key-1234")
        post(api, ask(), path="/embeddings")

    assert seen == [("read it", "FCR last week", SCHEMA, [])]
    assert [request.path for request in api.requests] == [
        "/v1/chat/completions", "/v1/chat/completions", "/v1/embeddings"]
    assert api.requests[1].headers["authorization"] == "Bearer sk-wrong-key-1234"
    assert len(api.completions) == 2


def test_a_wrong_key_is_a_401_invalid_api_key():
    with OpenAIDouble(lambda request: READING) as api:
        status, body, _ = post(api, ask(), key="sk-wrong-key-1234")

    assert status == 401
    error = body["error"]
    assert error["code"] == "invalid_api_key" and error["type"] == "invalid_request_error"
    # "sk-wrong-key-1234": the first 3 and last 4 characters shown, the 10 between starred
    assert error["message"].startswith("Incorrect API key provided: sk-**********1234.")
    assert error["param"] is None


def test_the_plan_fails_then_answers_and_always_fails_every_request():
    with OpenAIDouble(lambda request: READING, plan=[RateLimited(0.25), ServerError()]) as api:
        limited, limited_body, limited_headers = post(api, ask())
        failed, failed_body, _ = post(api, ask())
        answered, _, _ = post(api, ask())

    assert (limited, failed, answered) == (429, 500, 200)
    assert limited_headers["Retry-After"] == "0.25"
    assert limited_body["error"]["code"] == "rate_limit_exceeded"
    assert failed_body["error"]["type"] == "server_error"

    with OpenAIDouble(lambda request: READING, always=ServerError()) as api:
        assert [post(api, ask())[0] for _ in range(3)] == [500, 500, 500]


def test_a_slow_step_answers_late():
    with OpenAIDouble(lambda request: READING, plan=[Slow(0.3)]) as api:
        started = time.monotonic()
        status, _, _ = post(api, ask())
        elapsed = time.monotonic() - started

    assert status == 200
    assert elapsed >= 0.3


def test_a_strict_schema_openai_cannot_enforce_is_a_400():
    loose = json.loads(json.dumps(SCHEMA))
    loose["json_schema"]["schema"]["properties"]["period"] = {"type": "string"}
    with OpenAIDouble(lambda request: READING) as api:
        status, body, _ = post(api, ask(response_format=loose))

    assert status == 400
    assert "'required' is required" in body["error"]["message"]
    assert "Missing 'period'" in body["error"]["message"]


def test_a_broken_reader_is_a_500_and_kept():
    def reader(request):
        raise KeyError("nope")

    with OpenAIDouble(reader) as api:
        status, _, _ = post(api, ask())

    assert status == 500
    assert [type(error) for error in api.reader_errors] == [KeyError]


@pytest.mark.parametrize("method", [None, "function_calling"])
def test_the_real_client_reads_either_shape_into_the_schema(method):
    from langchain_openai import ChatOpenAI

    with OpenAIDouble(lambda request: {**READING, "group_by": ["team"]}) as api:
        model = ChatOpenAI(model="gpt-4o-mini", base_url=api.base_url, api_key=API_KEY,
                           max_retries=0, timeout=5)
        options = {} if method is None else {"method": method}
        draft = model.with_structured_output(QueryDraft, **options).invoke("FCR by team")

    assert draft == QueryDraft(metric="fcr", period="last week", group_by=["team"])
    [request] = api.completions
    if method is None:  # the default of ChatOpenAI: OpenAI's structured outputs
        assert request.response_format["type"] == "json_schema"
        assert request.response_format["json_schema"]["name"] == "QueryDraft"
        assert request.response_format["json_schema"]["strict"] is True
        assert request.tools == []
    else:
        assert request.response_format is None
        assert [tool["function"]["name"] for tool in request.tools] == ["QueryDraft"]
        assert request.body["tool_choice"] == {"type": "function",
                                               "function": {"name": "QueryDraft"}}
