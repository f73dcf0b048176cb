"""evaluate_spotting on hand-made cases (MEGC protocol: IoU >= 0.5, each truth matched once)."""

from __future__ import annotations

import pytest

from microcue.events import ExpressionEvent, evaluate_spotting, format_report


def ev(on, off, kind=None, emotion="anger", apex=None, participant="P1", n=[0]):  # noqa: B006
    n[0] += 1
    kind = kind or ("micro" if off - on <= 0.5 else "macro")
    return ExpressionEvent(f"{participant}-e{n[0]}", participant, kind, on, apex if apex is not None else on,
                           off, emotion, 0.8)


def truth(tmp_path, text):
    p = tmp_path / "truth.csv"
    p.write_text(text)
    return p


def test_perfect_and_partial_matches(tmp_path):
    t = truth(tmp_path, "onset_s,offset_s,kind,emotion,apex_s\n1.0,1.4,micro,anger,1.2\n3.0,5.0,macro,happiness,"
                        "3.5\n8.0,8.3,micro,sadness,8.1\n")
    preds = [ev(1.05, 1.45, apex=1.25),          # micro hit, IoU 0.78
             ev(3.2, 4.8, emotion="unclear", apex=3.6),  # macro hit, emotion wrong ("unclear" counts wrong)
             ev(8.2, 8.6),                        # IoU 0.1/0.6 < 0.5: a miss and a false alarm
             ev(20.0, 20.2)]                      # false alarm
    r = evaluate_spotting(preds, t, duration_s=60.0)
    assert r["tp"] == 2 and r["n_true"] == 3 and r["n_pred"] == 4
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert r["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3), abs=1e-3)
    assert r["micro"]["recall"] == pytest.approx(0.5) and r["macro"]["recall"] == pytest.approx(1.0)
    assert r["micro"]["precision"] == pytest.approx(1 / 3, abs=1e-3)  # 1 hit, 2 unmatched micro predictions
    assert r["onset_error_s"] == pytest.approx((0.05 + 0.2) / 2)
    assert r["apex_error_s"] == pytest.approx((0.05 + 0.1) / 2)
    assert r["false_alarms_per_min"] == pytest.approx(2.0)
    assert r["emotion_accuracy"] == pytest.approx(0.5)
    text = format_report(r)
    assert "micro" in text and "macro" in text and "false alarms" in text


def test_each_truth_matched_once_and_kind_from_truth(tmp_path):
    t = truth(tmp_path, "onset_s,offset_s,kind\n2.0,2.4,micro\n")
    preds = [ev(2.0, 2.4), ev(2.02, 2.42), ev(1.9, 2.6, kind="macro")]
    r = evaluate_spotting(preds, t, duration_s=30.0)
    assert r["tp"] == 1 and r["false_alarms"] == 2
    assert r["emotion_accuracy"] is None and r["apex_error_s"] is None  # no emotion / apex columns
    # a predicted macro that matches a micro truth counts as a micro hit
    r2 = evaluate_spotting([ev(1.95, 2.55, kind="macro")], t, duration_s=30.0)
    assert r2["micro"]["tp"] == 1 and r2["micro"]["recall"] == 1.0


def test_participant_filter_and_non_expression_events_ignored(tmp_path):
    t = truth(tmp_path, "onset_s,offset_s,kind,participant\n1.0,2.0,macro,P1\n1.0,2.0,macro,P2\n")
    nod = ExpressionEvent("n", "P1", "nod", 5.0, 5.2, 5.5)
    r = evaluate_spotting([ev(1.0, 2.0), nod], t, duration_s=60.0, participant="P1")
    assert r["tp"] == 1 and r["n_true"] == 1 and r["n_pred"] == 1 and r["f1"] == 1.0
    r_all = evaluate_spotting([ev(1.0, 2.0)], t, duration_s=60.0)
    assert r_all["recall"] == 0.5


def test_empty_cases(tmp_path):
    t = truth(tmp_path, "onset_s,offset_s,kind\n")
    r = evaluate_spotting([], t, duration_s=60.0)
    assert r["f1"] == 1.0 and r["false_alarms_per_min"] == 0.0 and r["onset_error_s"] is None
    r = evaluate_spotting([ev(1, 2)], t, duration_s=60.0)
    assert r["precision"] == 0.0 and r["false_alarms_per_min"] == 1.0


def test_bad_truth_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        evaluate_spotting([], tmp_path / "missing.csv", duration_s=10)
    bad = truth(tmp_path, "start,end\n1,2\n")
    with pytest.raises(ValueError, match="onset_s"):
        evaluate_spotting([], bad, duration_s=10)


@pytest.mark.parametrize("text, needle", [
    ("onset_s,offset_s,kind\n1.0,1.3,micro\n2.0,5.0,big\n", "row 3: kind 'big' is not one of micro, macro"),
    ("onset_s,offset_s,kind\n3.0,1.0,micro\n", "row 2: offset_s (1.0) must come after onset_s (3.0)"),
    ("onset_s,offset_s,kind\nsoon,1.0,micro\n", "row 2: onset_s and offset_s must be numbers"),
    ("onset_s,offset_s,kind,apex_s\n1.0,1.4,micro,soon\n", "row 2: apex_s must be a number"),
    ("", "not a truth CSV (empty"),
])
def test_a_bad_truth_row_is_named(tmp_path, text, needle):
    from microcue.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        evaluate_spotting([], truth(tmp_path, text), duration_s=10)


def test_truth_kinds_and_emotions_are_read_in_any_case_and_common_spellings(tmp_path):
    t = truth(tmp_path, "onset_s,offset_s,kind,emotion\n1.0,1.4,Micro,Anger\n2.0,2.2,nod,\n"
                        "3.0,4.5,Macro-Expression,happy\n6.0,6.3,micro-expression,others\n")
    r = evaluate_spotting([ev(1.0, 1.4, emotion="anger"), ev(3.0, 4.5, emotion="happiness"),
                           ev(6.0, 6.3, emotion="surprise")], t, duration_s=60.0)
    # the nod row is not an expression: not scored; a dataset's own label ("others") is kept and counts as wrong
    assert r["tp"] == 3 and r["n_emotion_scored"] == 3 and r["emotion_accuracy"] == round(2 / 3, 4)


def test_cli_checks_the_truth_before_analysing_the_recording(tmp_path):
    import subprocess
    import sys

    bad = truth(tmp_path, "onset_s,offset_s,kind\n1.0,1.3,blink\n")
    # the recording does not even exist: the truth's error comes first, so no analysis was started
    proc = subprocess.run([sys.executable, "-m", "microcue.cli", "eval", "spotting", str(tmp_path / "none.mp4"),
                           "--truth", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [f"microcue: error: {bad} row 2: kind 'blink' is not one of micro, "
                                                "macro, nod, head_shake, brow_flash, gaze_aversion"]
