import json

import pytest
from click.testing import CliRunner

from modiste.cli import main
from modiste.text.cli import text


@pytest.mark.slow
def test_cli_train_generate_eval(myntra, tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    result = runner.invoke(text, ["train", "--corpus", str(myntra), "--text-column", "Description", "--context-columns", "Product_Name",
                                  "--strip-from-context", "Product_Brand", "--base", "scratch-tiny", "--out", str(out), "--max-steps", "2", "--eval-every", "2",
                                  "--max-records", "120", "--batch-size", "4", "--block-size", "64", "--device", "cpu"], catch_exceptions=False)
    assert result.exit_code == 0
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 2 and summary["best_val_ppl"] > 1
    first = json.loads((out / "data" / "train.jsonl").read_text().splitlines()[0])
    assert first["context"] == ["Unisex Black & Grey Printed Medium Trolley Bag"]  # "DKNY" stripped
    result = runner.invoke(text, ["generate", "--model", str(out), "--context", "sleeveless red asymmetric dress",
                                  "--context", "black short sleeve jumpsuit", "-n", "2", "--max-new-tokens", "10", "--json",
                                  "--device", "cpu"], catch_exceptions=False)
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [o["context"] for o in lines] == ["sleeveless red asymmetric dress"] * 2 + ["black short sleeve jumpsuit"] * 2
    assert all(isinstance(o["text"], str) for o in lines)
    contexts = tmp_path / "contexts.txt"
    contexts.write_text("red dress\nblue shirt\n")
    report = tmp_path / "report.json"
    result = runner.invoke(text, ["eval", "--model", str(out), "--contexts", str(contexts), "--max-new-tokens", "10",
                                  "--report", str(report), "--device", "cpu"], catch_exceptions=False)
    full = json.loads(report.read_text())
    assert full["outputs"] == 2 and len(full["samples"]) == 2
    # eval scores whole descriptions in the model window (128), training truncated them to --block-size 64
    assert full["val_ppl"] == pytest.approx(summary["best_val_ppl"], rel=0.05)
    assert 0 <= full["distinct_2"] <= 1 and 0 <= full["near_copy_rate"] <= 1


def test_user_mistakes_print_one_line_and_exit_2(myntra, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["text", "train", "--corpus", str(myntra), "--text-column", "Desc", "--out", str(tmp_path / "r"), "--max-steps", "1"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "available columns are" in err and "Description" in err
    assert not (tmp_path / "r").exists()
