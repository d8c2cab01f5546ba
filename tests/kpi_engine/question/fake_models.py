"""LangChain fake chat models for the model path: `GenericFakeChatModel` taught to accept tools
(as `with_structured_output` needs), one that raises (after recording what it was sent), one
that is slow, and `answering(args)`, a fake whose one answer is a QueryDraft tool call."""

from __future__ import annotations

import time

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from pydantic import Field


class ToolCallingFake(GenericFakeChatModel):
    """A fake chat model that accepts tools (as `with_structured_output` needs) and records
    the tools bound and the messages it was sent."""

    bound: list = Field(default_factory=list)
    received: list = Field(default_factory=list)

    def bind_tools(self, tools, **kwargs):
        self.bound.append((list(tools), kwargs))
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.received.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


class FailingFake(ToolCallingFake):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.received.append(list(messages))
        raise RuntimeError("provider is down")


class SlowFake(ToolCallingFake):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        time.sleep(2)
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def answering(args: dict, model_class: type[ToolCallingFake] = ToolCallingFake):
    """A fake whose one answer is a QueryDraft tool call with these arguments."""
    call = {"name": "QueryDraft", "args": args, "id": "call_1"}
    return model_class(messages=iter([AIMessage(content="", tool_calls=[call])]))
