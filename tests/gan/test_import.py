"""`modiste import`: rosinality checkpoints and NVlabs pickles give the same images in Modiste (item 7).

The test writes small files in both formats itself: random weights in each project's own names,
shapes and storage conventions (mapping weights stored / lr_mul, biases scaled by lr_mul at run
time, [1, O, I, k, k] modulated weights, noise strengths, [1, 3, 1, 1] toRGB biases, NVlabs'
persistent-class pickles). A literal StyleGAN2 forward pass written here from the published
equations (one weight tensor per sample, explicit scales) renders the foreign weights; the converted
Modiste generator must give the same image for the same z.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import sys
import types
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import modiste
from modiste.cli import main
from modiste.errors import ModisteError
from modiste.gan.convert import import_model, read_foreign_model
from modiste.gan.convert.safe_pickle import UnsafePickleError, load_network_pickle
from modiste.gan.networks import build_discriminator, build_generator
from modiste.gan.networks.fir import reference_upfirdn2d

RES, Z, W, MLP = 16, 12, 12, 2
CHANNELS = {4: 32, 8: 32, 16: 16}  # min(256 // width, 32): channel_base 256, channel_max 32
LR_MUL = 0.01


def gen(*shape, scale=1.0, offset=0.0, seed=[0]):  # noqa: B006 - a counter shared by all draws
    seed[0] += 1
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed[0])) * scale + offset


# ---------------------------------------------------------------- the literal reference forward pass
def lrelu(x):
    return F.leaky_relu(x, 0.2) * math.sqrt(2)


def normalize(x):
    return x * (x.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()


def reference_mapping(net, z, c=None):
    x = normalize(z)
    if net["embed"] is not None:
        ew, eb = net["embed"]
        x = torch.cat([x, normalize(c @ (ew / math.sqrt(ew.shape[1])).t() + eb)], dim=1)
    for weight, bias in net["mapping"]:
        x = lrelu(x @ (weight * LR_MUL / math.sqrt(weight.shape[1])).t() + bias * LR_MUL)
    return x


def reference_modconv(x, weight, style, demodulate, up=False):
    """One [O, I, k, k] weight per sample: W / sqrt(fan_in) * style, divided by its norm."""
    out = []
    for n in range(x.shape[0]):
        w = weight / math.sqrt(weight[0].numel()) * style[n].view(1, -1, 1, 1)
        if demodulate:
            w = w * (w.square().sum(dim=(1, 2, 3), keepdim=True) + 1e-8).rsqrt()
        if up:
            y = F.conv_transpose2d(x[n : n + 1], w.transpose(0, 1), stride=2)
            y = reference_upfirdn2d(y, up=1, down=1, pad=(1, 1), gain=4.0)
        else:
            y = F.conv2d(x[n : n + 1], w, padding=weight.shape[-1] // 2)
        out.append(y)
    return torch.cat(out)


def reference_layer(x, w, layer, up=False):
    weight, mod_w, mod_b, bias, strength, noise = layer
    style = w @ (mod_w / math.sqrt(mod_w.shape[1])).t() + mod_b
    y = reference_modconv(x, weight, style, True, up) + strength * noise
    return lrelu(y + bias.view(1, -1, 1, 1))


def reference_torgb(x, w, torgb):
    weight, mod_w, mod_b, bias = torgb
    style = w @ (mod_w / math.sqrt(mod_w.shape[1])).t() + mod_b
    return reference_modconv(x, weight[:, :, None, None], style, False) + bias.view(1, -1, 1, 1)


def reference_generator(net, z, c=None, psi=1.0):
    w = reference_mapping(net, z, c)
    w = net["w_avg"] + psi * (w - net["w_avg"])
    blocks = net["blocks"]
    x = net["const"].unsqueeze(0).repeat(z.shape[0], 1, 1, 1)
    x = reference_layer(x, w, blocks[0]["conv1"])
    img = reference_torgb(x, w, blocks[0]["torgb"])
    for block in blocks[1:]:
        x = reference_layer(reference_layer(x, w, block["conv0"], up=True), w, block["conv1"])
        img = reference_upfirdn2d(img, up=2, down=1, pad=(2, 1), gain=4.0) + reference_torgb(x, w, block["torgb"])
    return img


def reference_discriminator(net, img, c=None):
    x = lrelu(F.conv2d(img, net["fromrgb"][0] / math.sqrt(net["fromrgb"][0][0].numel()), net["fromrgb"][1]))
    conv = lambda t, wb, **kw: F.conv2d(t, wb[0] / math.sqrt(wb[0][0].numel()), wb[1], **kw)  # noqa: E731
    for (c0, c1, skip) in net["blocks"]:
        y = lrelu(conv(x, c0, padding=1))
        y = lrelu(conv(reference_upfirdn2d(y, 1, 1, (2, 2), 1.0), c1, stride=2))
        s = conv(reference_upfirdn2d(x, 1, 1, (1, 1), 1.0), (skip, None), stride=2)
        x = (y + s) / math.sqrt(2)
    n = x.shape[0]
    group = x.view(4, n // 4, *x.shape[1:])
    std = (group.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # [n / 4]
    x = torch.cat([x, std.repeat(4).view(n, 1, 1, 1).expand(n, 1, *x.shape[2:])], dim=1)
    x = lrelu(conv(x, net["conv"], padding=1)).flatten(1)
    fc_w, fc_b = net["fc"]
    x = lrelu(x @ (fc_w / math.sqrt(fc_w.shape[1])).t() + fc_b)
    out_w, out_b = net["out"]
    x = x @ (out_w / math.sqrt(out_w.shape[1])).t() + out_b
    if c is None:
        return x
    cmap = reference_mapping({"embed": net["cmap_embed"], "mapping": net["cmap_layers"]}, torch.zeros(n, 0), c)
    return (x * cmap).sum(dim=1, keepdim=True) / math.sqrt(cmap.shape[1])


# ---------------------------------------------------------------- random weights in each layout
def random_layer(cin, cout, res, k=3):
    return (gen(cout, cin, k, k), gen(cin, W), gen(cin, scale=0.2, offset=1.0), gen(cout, scale=0.2),
            gen([], scale=0.3), gen(1, 1, res, res))


def random_torgb(cin, cout=3):
    return (gen(cout, cin), gen(cin, W), gen(cin, scale=0.2, offset=1.0), gen(cout, scale=0.2))


def random_net(c_dim=0):
    """Neutral layout: the values the reference pass reads, shared by both file formats."""
    mapping = [(gen(W, Z + (W if c_dim else 0) if i == 0 else W, scale=1 / LR_MUL), gen(W, scale=10.0))
               for i in range(MLP)]
    blocks = [{"conv1": random_layer(CHANNELS[4], CHANNELS[4], 4), "torgb": random_torgb(CHANNELS[4])}]
    for res in (8, 16):
        blocks.append({"conv0": random_layer(CHANNELS[res // 2], CHANNELS[res], res),
                       "conv1": random_layer(CHANNELS[res], CHANNELS[res], res), "torgb": random_torgb(CHANNELS[res])})
    return {"mapping": mapping, "embed": (gen(W, c_dim), gen(W, scale=0.2)) if c_dim else None,
            "const": gen(CHANNELS[4], 4, 4), "blocks": blocks, "w_avg": gen(W, scale=0.5)}


def random_disc(c_dim=0):
    cmap = CHANNELS[4] if c_dim else 0
    blocks = [((gen(CHANNELS[r], CHANNELS[r], 3, 3), gen(CHANNELS[r], scale=0.2)),
               (gen(CHANNELS[r // 2], CHANNELS[r], 3, 3), gen(CHANNELS[r // 2], scale=0.2)),
               gen(CHANNELS[r // 2], CHANNELS[r], 1, 1)) for r in (16, 8)]
    c4 = CHANNELS[4]
    return {"fromrgb": (gen(CHANNELS[16], 3, 1, 1), gen(CHANNELS[16], scale=0.2)), "blocks": blocks,
            "conv": (gen(c4, c4 + 1, 3, 3), gen(c4, scale=0.2)), "fc": (gen(c4, c4 * 16), gen(c4, scale=0.2)),
            "out": (gen(cmap or 1, c4), gen(cmap or 1, scale=0.2)),
            "cmap_embed": (gen(cmap, c_dim), gen(cmap, scale=0.2)) if c_dim else None,
            "cmap_layers": [(gen(cmap, cmap, scale=1 / LR_MUL), gen(cmap, scale=10.0)) for _ in range(8 if c_dim else 0)]}


def rosinality_generator(net):
    """rosinality model.py Generator names and shapes (PixelNorm is style.0; [1, O, I, k, k] weights)."""
    sd = {}
    for i, (weight, bias) in enumerate(net["mapping"]):
        sd[f"style.{i + 1}.weight"], sd[f"style.{i + 1}.bias"] = weight, bias
    sd["input.input"] = net["const"][None]

    def styled(prefix, layer, noise_name):
        weight, mod_w, mod_b, bias, strength, noise = layer
        sd.update({f"{prefix}.conv.weight": weight[None], f"{prefix}.conv.modulation.weight": mod_w,
                   f"{prefix}.conv.modulation.bias": mod_b, f"{prefix}.noise.weight": strength.view(1),
                   f"{prefix}.activate.bias": bias, noise_name: noise})

    def torgb(prefix, layer):
        weight, mod_w, mod_b, bias = layer
        sd.update({f"{prefix}.conv.weight": weight[None, :, :, None, None], f"{prefix}.conv.modulation.weight": mod_w,
                   f"{prefix}.conv.modulation.bias": mod_b, f"{prefix}.bias": bias.view(1, -1, 1, 1)})

    blocks = net["blocks"]
    styled("conv1", blocks[0]["conv1"], "noises.noise_0")
    torgb("to_rgb1", blocks[0]["torgb"])
    for j, block in enumerate(blocks[1:]):
        styled(f"convs.{2 * j}", block["conv0"], f"noises.noise_{2 * j + 1}")
        styled(f"convs.{2 * j + 1}", block["conv1"], f"noises.noise_{2 * j + 2}")
        torgb(f"to_rgbs.{j}", block["torgb"])
        sd[f"convs.{2 * j}.conv.blur.kernel"] = torch.ones(4, 4) / 4  # buffers the converter ignores
        sd[f"to_rgbs.{j}.upsample.kernel"] = torch.ones(4, 4) / 4
    return sd


def rosinality_discriminator(net):
    sd = {"convs.0.0.weight": net["fromrgb"][0], "convs.0.1.bias": net["fromrgb"][1]}
    for i, ((w0, b0), (w1, b1), skip) in enumerate(net["blocks"]):
        p = f"convs.{i + 1}"
        sd.update({f"{p}.conv1.0.weight": w0, f"{p}.conv1.1.bias": b0, f"{p}.conv2.0.kernel": torch.ones(4, 4),
                   f"{p}.conv2.1.weight": w1, f"{p}.conv2.2.bias": b1, f"{p}.skip.0.kernel": torch.ones(4, 4),
                   f"{p}.skip.1.weight": skip})
    sd.update({"final_conv.0.weight": net["conv"][0], "final_conv.1.bias": net["conv"][1],
               "final_linear.0.weight": net["fc"][0], "final_linear.0.bias": net["fc"][1],
               "final_linear.1.weight": net["out"][0], "final_linear.1.bias": net["out"][1]})
    return sd


def nvlabs_generator(net):
    """stylegan2-ada-pytorch networks.py Generator state (noise_const [r, r], torgb [O, I, 1, 1])."""
    sd = {}
    for i, (weight, bias) in enumerate(net["mapping"]):
        sd[f"mapping.fc{i}.weight"], sd[f"mapping.fc{i}.bias"] = weight, bias
    if net["embed"] is not None:
        sd["mapping.embed.weight"], sd["mapping.embed.bias"] = net["embed"]
    sd["mapping.w_avg"] = net["w_avg"]
    for j, block in enumerate(net["blocks"]):
        p = f"synthesis.b{4 * 2**j}"
        if j == 0:
            sd[f"{p}.const"] = net["const"]
        for name in ("conv0", "conv1") if j else ("conv1",):
            weight, mod_w, mod_b, bias, strength, noise = block[name]
            sd.update({f"{p}.{name}.weight": weight, f"{p}.{name}.affine.weight": mod_w,
                       f"{p}.{name}.affine.bias": mod_b, f"{p}.{name}.bias": bias,
                       f"{p}.{name}.noise_strength": strength, f"{p}.{name}.noise_const": noise[0, 0],
                       f"{p}.{name}.resample_filter": torch.ones(4, 4)})
        weight, mod_w, mod_b, bias = block["torgb"]
        sd.update({f"{p}.torgb.weight": weight[:, :, None, None], f"{p}.torgb.affine.weight": mod_w,
                   f"{p}.torgb.affine.bias": mod_b, f"{p}.torgb.bias": bias})
    return sd


def nvlabs_discriminator(net):
    sd = {"b16.fromrgb.weight": net["fromrgb"][0], "b16.fromrgb.bias": net["fromrgb"][1]}
    for r, ((w0, b0), (w1, b1), skip) in zip((16, 8), net["blocks"]):
        sd.update({f"b{r}.conv0.weight": w0, f"b{r}.conv0.bias": b0, f"b{r}.conv1.weight": w1, f"b{r}.conv1.bias": b1,
                   f"b{r}.skip.weight": skip, f"b{r}.conv1.resample_filter": torch.ones(4, 4)})
    for name in ("conv", "fc", "out"):
        sd[f"b4.{name}.weight"], sd[f"b4.{name}.bias"] = net[name]
    if net["cmap_embed"] is not None:
        sd["mapping.embed.weight"], sd["mapping.embed.bias"] = net["cmap_embed"]
        for i, (weight, bias) in enumerate(net["cmap_layers"]):
            sd[f"mapping.fc{i}.weight"], sd[f"mapping.fc{i}.bias"] = weight, bias
    return sd


# ---------------------------------------------------------------- NVlabs persistent-class pickles
@pytest.fixture
def nvlabs_modules(monkeypatch):
    """Importable stand-ins for torch_utils.persistence and dnnlib.util, so the test can pickle like NVlabs."""
    persistence = types.ModuleType("torch_utils.persistence")
    util = types.ModuleType("dnnlib.util")

    def _reconstruct_persistent_obj(meta):  # what NVlabs' loader would do: exec meta["module_src"]
        raise AssertionError("only the writer side exists in this test")

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj

    class EasyDict(dict):
        pass

    EasyDict.__module__, EasyDict.__qualname__ = "dnnlib.util", "EasyDict"
    util.EasyDict = EasyDict
    for name, module in (("torch_utils", types.ModuleType("torch_utils")), ("torch_utils.persistence", persistence),
                         ("dnnlib", types.ModuleType("dnnlib")), ("dnnlib.util", util)):
        monkeypatch.setitem(sys.modules, name, module)
    return types.SimpleNamespace(reconstruct=_reconstruct_persistent_obj, EasyDict=EasyDict)


BUFFERS = ("w_avg", "noise_const", "resample_filter")


class Persistent:
    """Pickles like an NVlabs persistent-class module: (_reconstruct_persistent_obj, (meta,))."""

    def __init__(self, reconstruct, class_name, state, module_src="class Network: ..."):
        self.reconstruct, self.meta = reconstruct, dict(type="class", version=6, module_src=module_src,
                                                        class_name=class_name, state=state)

    def __reduce__(self):
        return self.reconstruct, (self.meta,)


def persistent_tree(mods, sd, class_name, extra=None):
    """Nest a flat state dict into Persistent modules with _parameters/_buffers/_modules as nn.Module has."""
    params, buffers, children = OrderedDict(), OrderedDict(), OrderedDict()
    for key in sorted({k.split(".")[0] for k in sd if "." in k}):
        sub = {k[len(key) + 1:]: v for k, v in sd.items() if k.startswith(key + ".")}
        children[key] = persistent_tree(mods, sub, key)
    for key, value in sd.items():
        if "." not in key:
            (buffers if key in BUFFERS else params)[key] = value if key in BUFFERS else torch.nn.Parameter(value)
    state = {"training": False, "_parameters": params, "_buffers": buffers, "_modules": children,
             "_non_persistent_buffers_set": set(), "_forward_hooks": OrderedDict(),
             "weight_gain": np.float64(0.125), "init_kwargs": mods.EasyDict(w_dim=W, channel_base=256),
             **(extra or {})}
    return Persistent(mods.reconstruct, class_name, state)


def write_nvlabs_pickle(path, mods, net, disc, c_dim=0):
    g = persistent_tree(mods, nvlabs_generator(net), "Generator", {"z_dim": Z, "c_dim": c_dim})
    d_sd = nvlabs_discriminator(disc)
    d = persistent_tree(mods, d_sd, "Discriminator")
    d.meta["state"]["_modules"]["b4"].meta["state"]["_modules"]["mbstd"] = persistent_tree(
        mods, {}, "MinibatchStdLayer", {"group_size": 4, "num_channels": 1})
    data = {"G": g, "D": d, "G_ema": g, "augment_pipe": None, "training_set_kwargs": mods.EasyDict(resolution=RES)}
    path.write_bytes(pickle.dumps(data, protocol=4))
    return path


def check_same_images(G, net, c=None, psi=1.0):
    z = torch.randn(4, Z, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        ours = G(z, c, truncation_psi=psi, noise_mode="const")
        theirs = reference_generator(net, z, None if c is None else F.one_hot(c, net["embed"][0].shape[1]).float(), psi)
    assert ours.shape == (4, 3, RES, RES)
    assert theirs.abs().mean() > 0.1  # a real image, not zeros
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)


def check_same_logits(D, disc, c=None):
    img = torch.randn(8, 3, RES, RES, generator=torch.Generator().manual_seed(3))
    onehot = None if c is None else F.one_hot(c, disc["cmap_embed"][0].shape[1]).float()
    with torch.no_grad():
        torch.testing.assert_close(D(img, c), reference_discriminator(disc, img, onehot), rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- the tests
def test_rosinality_checkpoint_gives_the_same_images_and_logits(tmp_path):
    net, disc = random_net(), random_disc()
    path = tmp_path / "550000.pt"
    torch.save({"g": rosinality_generator(net), "g_ema": rosinality_generator(net), "d": rosinality_discriminator(disc),
                "g_optim": {}, "args": argparse.Namespace(size=RES, channel_multiplier=2),
                "latent_avg": net["w_avg"]}, path)
    run = import_model(path, tmp_path / "run")
    G = modiste.load_generator(run)
    assert (G.cfg.channel_base, G.cfg.channel_max, G.cfg.mapping_layers, G.num_ws) == (256, 32, MLP, 6)
    check_same_images(G, net)
    check_same_images(G, net, psi=0.5)  # truncation towards latent_avg
    cfg, nets = read_foreign_model(path)
    D = build_discriminator(cfg)
    D.load_state_dict(nets["D"])
    check_same_logits(D, disc)


def test_rosinality_training_checkpoint_without_latent_avg_estimates_it(tmp_path):
    net = random_net()
    path = tmp_path / "ckpt.pt"
    torch.save({"g_ema": rosinality_generator(net)}, path)
    cfg, nets = read_foreign_model(path)
    G = build_generator(cfg)
    G.load_state_dict(nets["G_ema"])
    z = torch.randn(10_000, Z, generator=torch.Generator().manual_seed(0))
    expected = reference_mapping(net, z).mean(dim=0)
    torch.testing.assert_close(G.mapping.w_avg, expected, rtol=1e-4, atol=1e-4)
    assert "D" not in nets and nets["G"] is nets["G_ema"]


def test_nvlabs_pickle_gives_the_same_images_and_logits(tmp_path, nvlabs_modules):
    net, disc = random_net(c_dim=3), random_disc(c_dim=3)
    path = write_nvlabs_pickle(tmp_path / "network-snapshot-000100.pkl", nvlabs_modules, net, disc, c_dim=3)
    run = import_model(path, tmp_path / "run")
    G = modiste.load_generator(run)
    assert G.c_dim == 3 and G.cfg.class_names == ["class0", "class1", "class2"]
    c = torch.tensor([0, 1, 2, 1])
    check_same_images(G, net, c)
    check_same_images(G, net, c, psi=0.7)  # w_avg copied
    cfg, nets = read_foreign_model(path)
    D = build_discriminator(cfg)
    D.load_state_dict(nets["D"])
    check_same_logits(D, disc, torch.tensor([0, 1, 2, 0, 1, 2, 0, 1]))


def test_imported_run_works_with_init_from(tmp_path, nvlabs_modules):
    from modiste.gan.training.init_from import initialise_from, read_source

    path = write_nvlabs_pickle(tmp_path / "net.pkl", nvlabs_modules, random_net(), random_disc())
    run = import_model(path, tmp_path / "run")
    for source in (read_source(run), read_source(path)):  # the run folder, or the pickle itself
        cfg = source.network
        G, D, G_ema = build_generator(cfg), build_discriminator(cfg), build_generator(cfg)
        report = initialise_from(G, D, G_ema, source)
        assert all(not fresh for fresh in report.fresh.values())


def test_stylegan3_pickle_is_refused_in_one_line(tmp_path, nvlabs_modules):
    synthesis = persistent_tree(nvlabs_modules, {"input.weight": torch.zeros(4, 4), "L0_36_512.weight": torch.zeros(2)},
                                "SynthesisNetwork")
    g = persistent_tree(nvlabs_modules, {"mapping.fc0.weight": torch.zeros(4, 4)}, "Generator")
    g.meta["state"]["_modules"]["synthesis"] = synthesis
    path = tmp_path / "stylegan3-t.pkl"
    path.write_bytes(pickle.dumps({"G_ema": g}))
    with pytest.raises(ModisteError, match="StyleGAN3") as info:
        read_foreign_model(path)
    assert "\n" not in str(info.value)


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_malicious_pickle_is_refused_and_never_executed(tmp_path, nvlabs_modules, capsys):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"G_ema": Evil(marker)}))
    with pytest.raises(UnsafePickleError, match=r"system.*refusing") as info:
        load_network_pickle(path)
    assert "\n" not in str(info.value) and not marker.exists()
    # the same code hidden inside a real-looking network, and via the CLI: exit 2, one line, nothing run
    net, disc = random_net(), random_disc()
    good = write_nvlabs_pickle(tmp_path / "good.pkl", nvlabs_modules, net, disc)
    assert load_network_pickle(good)["G_ema"].class_name == "Generator"  # the real-looking one loads
    g = persistent_tree(nvlabs_modules, nvlabs_generator(net), "Generator", {"hook": Evil(marker)})
    sneaky = tmp_path / "sneaky.pkl"
    sneaky.write_bytes(pickle.dumps({"G_ema": g}))
    with pytest.raises(SystemExit) as exit_info:
        main(["import", str(sneaky), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.startswith("error:") and err.count("\n") == 1
    assert not marker.exists() and not (tmp_path / "out").exists()


def test_module_source_in_a_pickle_is_kept_as_text_never_run(tmp_path, nvlabs_modules):
    marker = tmp_path / "ran"
    g = persistent_tree(nvlabs_modules, {"w": torch.ones(2)}, "Generator")
    g.meta["module_src"] = f"import pathlib\npathlib.Path({str(marker)!r}).touch()\nclass Generator: pass\n"
    path = tmp_path / "src.pkl"
    path.write_bytes(pickle.dumps({"G_ema": g}))
    record = load_network_pickle(path)["G_ema"]
    assert "pathlib" in record.module_src and record.class_name == "Generator" and not marker.exists()
    torch.testing.assert_close(record.tensors()["w"], torch.ones(2))


def test_cli_import_writes_a_run_that_generate_reads(tmp_path, nvlabs_modules):
    path = write_nvlabs_pickle(tmp_path / "net.pkl", nvlabs_modules, random_net(), random_disc())
    try:
        main(["import", str(path), "--out", str(tmp_path / "run")])
    except SystemExit as e:
        assert e.code in (0, None)
    snapshot = tmp_path / "run" / "checkpoints" / "snapshot-000000.000"
    assert sorted(p.name for p in snapshot.iterdir()) == ["D.safetensors", "G.safetensors", "G_ema.safetensors",
                                                          "state.json"]
    with pytest.raises(ModisteError, match="not empty"):
        import_model(path, tmp_path / "run")


def test_rosinality_file_with_code_in_it_is_refused_by_the_weights_only_loader(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"g_ema": rosinality_generator(random_net()), "args": Evil(marker)}, path)
    with pytest.raises(ModisteError, match=r"weights_only") as info:
        read_foreign_model(path)
    assert "\n" not in str(info.value) and not marker.exists()
