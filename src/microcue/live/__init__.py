"""Live mode: the same stages as analyze, fed frames as they happen, with bounded queues."""
