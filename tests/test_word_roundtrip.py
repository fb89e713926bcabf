"""Round trips through the official Word forms: Batch -> write_raw(fmt=docx|mixed) -> load_batch."""
import pandas as pd
import pytest

from nebase_analysis.intake import load_batch
from nebase_analysis.templates import write_raw
from test_roundtrip import assert_same_values, hand_batch


def _same_batch(b, got):
    cols = [c for c in b.applicants.columns if c != "source_file"]
    assert_same_values(b.applicants[cols], got.applicants[cols], ["applicant_id"])
    for name, key in (("top_enterprises", ["applicant_id", "rank"]), ("top_products", ["applicant_id", "rank"]),
                      ("texts", ["applicant_id", "section"])):
        assert_same_values(getattr(b, name), getattr(got, name), key)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hand_made_batch_round_trips_through_word(tmp_path, seed):
    b = hand_batch()
    manifest = write_raw(b, tmp_path, fmt="docx", seed=seed)
    assert set(manifest.loc[manifest.category != "summary", "format"]) == {"docx"}
    got = load_batch(tmp_path, progress=False)
    assert got.rejected.empty, got.rejected[["path", "reason"]].values.tolist()
    _same_batch(b, got)
    assert all(p.endswith(".docx") for p in got.applicants.source_file)


@pytest.mark.slow
def test_national_batch_round_trips_through_word_with_every_variant(tmp_path):
    synth = pytest.importorskip("nebase_analysis.synth")
    b = synth.national_batch(seed=0, fault_rate=0)
    manifest = write_raw(b, tmp_path, fmt="docx", seed=0)
    got = load_batch(tmp_path, progress=False)
    assert got.rejected.empty, got.rejected.head(10).to_dict("records")
    assert got.n_applicants == 418
    _same_batch(b, got)
    from nebase_analysis.wordforms import parse_variant
    kinds = set()
    for text in manifest.variant.dropna():
        kinds |= {k for k, v in parse_variant(text).items() if v not in (False, None, "", "default")}
    assert {"one_table", "titles_in_paragraphs", "label_breaks", "merged_label", "remark_rows", "extra_list_rows",
            "typed_rank", "content_controls", "checkbox_style", "numbers_as_typed", "date_style", "text_place",
            "plan_headings", "guidance_left", "file_name"} <= kinds, kinds


@pytest.mark.slow
def test_mixed_batch_with_faults_reads_back_as_synth_says(tmp_path):
    synth = pytest.importorskip("nebase_analysis.synth")
    s = synth.generate(seed=1, fault_rate=0.05)
    manifest = write_raw(s.batch, tmp_path, raw_values=s.raw_values, fmt="mixed", seed=1)
    assert {"docx", "xlsx"} <= set(manifest.format.dropna())
    got = load_batch(tmp_path, progress=False)
    assert got.n_applicants == s.batch.n_applicants
    assert set(got.summary.applicant_id) == set(got.applicants.applicant_id)
    cols = [c for c in s.batch.applicants.columns if c != "source_file"]
    assert_same_values(s.batch.applicants[cols], got.applicants[cols], ["applicant_id"])
    changed = s.raw_values[s.raw_values.raw.astype(str).str.strip() != ""]
    logged = set(zip(got.cleaning_log.applicant_id, got.cleaning_log.field))
    unread = set(zip(got.rejected.applicant_id, got.rejected.field))
    in_word = set(manifest.loc[manifest.format == "docx", "applicant_id"])
    # a province alias typed on our template's cover has no cell on the Word form (it prints none)
    expected = {(a, f) for a, f in zip(changed.applicant_id, changed.field) if not (f == "province" and a in in_word)}
    assert expected <= logged | unread, expected - (logged | unread)
    # the unreadable cells of Word forms are named in words a province can find
    word = got.rejected[got.rejected.path.str.endswith(".docx", na=False) & (got.rejected.scope == "field")]
    assert len(word) and word.sheet.str.match(r"^(表\d+|正文|封面)$").all(), word[["sheet", "cell"]].head().values.tolist()
