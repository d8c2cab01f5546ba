"""Tests of kpi_engine.question: the offline reader, follow-ups, the model path, asking end to
end and conversation state."""
