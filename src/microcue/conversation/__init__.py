"""What was said and by whom: transcript import (WebVTT, SRT, Google Meet text)."""
