"""A terminal view of live cues (Rich), for people who prefer it to the web panel.

Calm by design: the buyer's state on one line, the newest cue and its suggestion below, the four before it
faded. It redraws at most four times a second.
"""

from __future__ import annotations

from collections import deque


class TerminalView:
    """``publish(msg)`` takes the panel's messages (``cue``, ``withdraw``, ``state``, ``status``); a context manager."""

    def __init__(self, *, console=None, keep: int = 5) -> None:
        from rich.console import Console

        self.console = console or Console()
        self.cues: deque = deque(maxlen=keep)
        self.states: dict[str, dict] = {}
        self.status = ""
        self._live = None

    def __enter__(self) -> TerminalView:
        from rich.live import Live

        self._live = Live(self._render(), console=self.console, refresh_per_second=4, transient=False)
        self._live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)

    def publish(self, msg: dict) -> None:
        kind = msg.get("type")
        if kind == "cue":
            if msg.get("update"):
                for i, c in enumerate(self.cues):
                    if c.get("id") == msg.get("id"):
                        self.cues[i] = msg
                        break
                else:
                    self.cues.append(msg)
            else:
                self.cues.append(msg)
        elif kind == "withdraw":  # a provisional cue the spotter did not confirm
            self.cues = deque((c for c in self.cues if c.get("id") != msg.get("id")), maxlen=self.cues.maxlen)
        elif kind == "state":
            self.states[msg.get("participant", "?")] = msg
        elif kind == "status":
            self.status = msg.get("text", "")
        if self._live is not None:
            self._live.update(self._render())

    def _render(self):
        from rich.console import Group
        from rich.text import Text

        lines = []
        for s in self.states.values():
            label = s.get("label") or ("Engaged" if s.get("engaged") else "Drifting")
            colour = "green" if s.get("engaged") else "yellow"
            trend = {"rising": "↗", "falling": "↘"}.get(s.get("valence_trend"), "→")
            lines.append(Text.assemble((f"{s.get('name') or s.get('participant')}: ", "bold"),
                                       (f"{label} ", f"bold {colour}"), (trend, "bold")))
        cues = list(self.cues)
        if cues:
            new = cues[-1]
            if new.get("provisional"):  # at the apex, not yet confirmed: the same line, quieter
                lines.append(Text(f"{_clock(new.get('time_s'))}  {new.get('observation', '')}  (forming…)",
                                  style="italic"))
                lines.append(Text(f"   Try: {new.get('suggestion', '')}", style="cyan"))
            else:
                lines.append(Text(f"{_clock(new.get('time_s'))}  {new.get('observation', '')}", style="bold"))
                lines.append(Text(f"   Try: {new.get('suggestion', '')}", style="bold cyan"))
            for c in reversed(cues[:-1]):
                lines.append(Text(f"{_clock(c.get('time_s'))}  {c.get('observation', '')}", style="dim"))
        else:
            lines.append(Text("No cues yet.", style="dim"))
        if self.status:
            lines.append(Text(self.status, style="dim italic"))
        return Group(*lines)


def _clock(t) -> str:
    if t is None:
        return "--:--"
    t = int(t)
    return f"{t // 60}:{t % 60:02d}"
