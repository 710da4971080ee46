import torch

from modiste.data import infinite_loader, open_image_dataset
from modiste.data.loader import InfiniteShardedSampler

from data_test_images import write_images


def test_ranks_get_disjoint_equal_shares_covering_everything():
    size, world = 10, 3
    passes = [InfiniteShardedSampler(size, r, world, seed=5).indices_for_pass(0) for r in range(world)]
    assert all(len(p) == 4 for p in passes)  # ceil(10 / 3), padded by wrapping like DistributedSampler
    flat = [i for p in passes for i in p]
    assert set(flat) == set(range(size)) and len(flat) - len(set(flat)) == 2


def test_passes_reshuffle_deterministically():
    a = InfiniteShardedSampler(50, seed=1)
    it = iter(a)
    first = [next(it) for _ in range(50)]
    second = [next(it) for _ in range(50)]
    assert sorted(first) == sorted(second) == list(range(50)) and first != second
    b = iter(InfiniteShardedSampler(50, seed=1))
    assert [next(b) for _ in range(100)] == first + second
    assert InfiniteShardedSampler(50, seed=2).indices_for_pass(0) != first


def test_infinite_loader_batches_beyond_one_pass(tmp_path):
    write_images(tmp_path, 5)
    ds = open_image_dataset(tmp_path, label_field="folder", xflip=True)
    for workers in (0, 1):
        it = infinite_loader(ds, batch_size=4, num_workers=workers, seed=3)
        batches = [next(it) for _ in range(4)]  # 16 images from a 5-image set
        images, labels = batches[0]
        assert images.shape == (4, 3, 30, 40) and images.dtype == torch.uint8
        assert labels.dtype == torch.int64 and set(labels.tolist()) <= {0, 1}


def test_start_batch_continues_the_exact_order():
    full = iter(InfiniteShardedSampler(7, rank=1, world_size=2, seed=4))
    expected = [next(full) for _ in range(12)]
    resumed = iter(InfiniteShardedSampler(7, rank=1, world_size=2, seed=4, start=5))
    assert [next(resumed) for _ in range(7)] == expected[5:]


def test_xflip_flips_about_half_the_time(tmp_path):
    write_images(tmp_path, 1)
    ds = open_image_dataset(tmp_path, xflip=True)
    plain = open_image_dataset(tmp_path)[0][0]
    flips = [not torch.equal(ds[0][0], plain) for _ in range(40)]
    assert 8 <= sum(flips) <= 32
    samples = [ds[0][0] for _ in range(5)]
    assert all(torch.equal(x, plain) or torch.equal(x, plain.flip(-1)) for x in samples)
