"""Local HTTP doubles that speak the real wire formats (AWS event stream, Retrieve JSON, OpenAI SSE)."""
