import json
import multiprocessing
import os
import signal
import time

import pytest

from modiste.cli import main
from modiste.data import open_image_dataset
from modiste.data.prepare import prepare_dataset
from modiste.data.shards import PROGRESS_FILE
from modiste.errors import ModisteError

from data_test_images import write_images


def test_cli_prepares_and_reports(tmp_path, capsys):
    write_images(tmp_path / "src", 4, size=(30, 40))
    main(["prepare", str(tmp_path / "src"), "--out", str(tmp_path / "out"), "--resolution", "16",
          "--aspect", "2:3", "--mode", "crop", "--label-field", "folder", "--workers", "0"])
    assert "prepared 4 images (3x24x16, 2 classes) in 1 shard(s)" in capsys.readouterr().out
    assert open_image_dataset(tmp_path / "out").shape == (3, 24, 16)


@pytest.mark.parametrize(
    "args, message",
    [
        (["{tmp}/missing", "--out", "{tmp}/o", "--resolution", "16"], "does not exist"),
        (["{tmp}/src", "--out", "{tmp}/o", "--resolution", "15", "--aspect", "2:3"], "divisible by 2"),
        (["{tmp}/src", "--out", "{tmp}/o", "--resolution", "16", "--aspect", "9:1"], "too extreme"),
        (["{tmp}/src", "--out", "{tmp}/o", "--resolution", "4096"], "upscale"),
        (["{tmp}/src", "--out", "{tmp}/o", "--resolution", "16", "--labels", "{tmp}/none.csv"], "labels file"),
    ],
)
def test_cli_bad_input_is_one_line(tmp_path, capsys, args, message):
    write_images(tmp_path / "src", 2)
    with pytest.raises(SystemExit) as exit_info:
        main(["prepare", *[a.format(tmp=tmp_path) for a in args]])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o" / "dataset.json").exists()


def test_killed_prepare_leaves_no_complete_looking_shard_and_resumes(shared_data, tmp_path):
    src, out = str(shared_data / "fashion-mnist"), tmp_path / "out"
    opts = dict(resolution=32, max_images=1200, split="test", shard_size=20)
    # a forked child already has torch imported, so the kill lands mid-run within a second
    child = multiprocessing.get_context("fork").Process(target=prepare_dataset, args=(src, out), kwargs=dict(
        workers=0, **opts))
    child.start()
    deadline = time.time() + 60
    while time.time() < deadline:
        if (out / PROGRESS_FILE).exists() and len(json.loads((out / PROGRESS_FILE).read_text())["done"]) >= 3:
            break
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert not (out / "dataset.json").exists()
    done = json.loads((out / PROGRESS_FILE).read_text())["done"]
    assert 3 <= len(done) < 60, "the run finished before it could be killed"
    assert all(name.startswith("shard-") for name in os.listdir(out / "shards"))  # no half-written files
    with pytest.raises(ModisteError, match="did not finish"):
        open_image_dataset(out)
    built = []
    meta = prepare_dataset(src, out, workers=0, on_shard=built.append, **opts)
    assert len(built) == 60 - len(done) and meta.count == 1200
    ds = open_image_dataset(out)
    direct = open_image_dataset(src, resolution=32, max_images=1200, split="test")
    for i in (0, 567, 1199):
        assert (ds[i][0] == direct[i][0]).all() and ds[i][1] == direct[i][1]
