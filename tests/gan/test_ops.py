"""Equalised-LR layers, FIR resampling and the modulated convolution against explicit references."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from modiste.gan.networks import fir
from modiste.gan.networks.modulated_conv import SynthesisLayer, ToImage, modulated_conv2d
from modiste.gan.networks.ops import EqualConv2d, EqualLinear


# --- equalised learning rate ------------------------------------------------------------------

@pytest.mark.parametrize("lr_mul", [1.0, 0.01])
def test_equal_linear_runtime_weight_has_unit_fan_in_scale(lr_mul):
    torch.manual_seed(0)
    layer = EqualLinear(256, 512, bias_init=0.5, lr_mul=lr_mul)
    assert layer.weight.std().item() == pytest.approx(1.0 / lr_mul, rel=0.02)  # stored N(0, 1) / lr_mul
    assert layer.runtime_weight().std().item() == pytest.approx(1.0 / math.sqrt(256), rel=0.02)
    x = torch.randn(4, 256)
    expected = x @ (layer.weight * lr_mul / 16.0).t() + 0.5  # run-time bias starts at bias_init
    torch.testing.assert_close(layer(x), expected, rtol=1e-5, atol=1e-5)


def test_equal_linear_lr_mul_scales_the_gradient_step():
    # the stored weight's gradient is lr_mul x smaller, and the stored weight lr_mul x larger: an Adam
    # step of fixed size moves the run-time weight lr_mul x less than in a plain layer
    torch.manual_seed(0)
    slow, fast = EqualLinear(8, 4, lr_mul=0.01), EqualLinear(8, 4, lr_mul=1.0)
    fast.weight.data = slow.weight.data * 0.01
    x = torch.randn(3, 8)
    torch.testing.assert_close(slow(x), fast(x))
    slow(x).sum().backward()
    fast(x).sum().backward()
    torch.testing.assert_close(slow.weight.grad, fast.weight.grad * 0.01)


def test_equal_linear_lrelu_has_sqrt2_gain():
    torch.manual_seed(0)
    layer = EqualLinear(16, 16, activation="lrelu")
    x = torch.randn(5, 16)
    plain = F.linear(x, layer.runtime_weight(), layer.bias)
    torch.testing.assert_close(layer(x), F.leaky_relu(plain, 0.2) * math.sqrt(2))


def test_equal_conv_scales_and_downsamples():
    torch.manual_seed(0)
    conv = EqualConv2d(32, 64, 3, activation="linear")
    assert conv.runtime_weight().std().item() == pytest.approx(1 / math.sqrt(32 * 9), rel=0.03)
    x = torch.randn(2, 32, 8, 6)
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.runtime_weight(), conv.bias, padding=1))

    down = EqualConv2d(4, 5, 3, activation="lrelu", down=True, gain=0.5)
    y = down(x[:, :4])
    assert y.shape == (2, 5, 4, 3)
    blurred = fir.reference_upfirdn2d(x[:, :4], up=1, down=1, pad=(2, 2), gain=1.0)
    expected = F.leaky_relu(F.conv2d(blurred, down.runtime_weight(), down.bias, stride=2), 0.2) * math.sqrt(2) * 0.5
    torch.testing.assert_close(y, expected, rtol=1e-5, atol=1e-5)

    skip = EqualConv2d(4, 5, 1, bias=False, activation="linear", down=True)
    expected = F.conv2d(fir.reference_upfirdn2d(x[:, :4], 1, 2, (1, 1), 1.0), skip.runtime_weight())
    torch.testing.assert_close(skip(x[:, :4]), expected, rtol=1e-5, atol=1e-5)


# --- FIR resampling -------------------------------------------------------------------------

def test_fir_kernel_is_normalised_binomial():
    k = fir.fir_kernel()
    torch.testing.assert_close(k, torch.outer(torch.tensor([1.0, 3, 3, 1]), torch.tensor([1.0, 3, 3, 1])) / 64)


def test_upsample_matches_hand_computation():
    # 1-D: zero insertion [x0, 0, x1, 0], pad (2, 1), taps [1,3,3,1]/8 * gain 2 per axis
    up = torch.tensor([[0.75, 0.0], [0.75, 0.25], [0.25, 0.75], [0.0, 0.75]])
    x = torch.randn(2, 3, 2, 2)
    expected = up @ x @ up.t()
    torch.testing.assert_close(fir.upsample2d(x), expected)
    torch.testing.assert_close(fir.upsample2d(x), fir.reference_upfirdn2d(x, up=2, down=1, pad=(2, 1), gain=4.0))


def test_downsample_matches_hand_computation():
    down = torch.tensor([[3.0, 3.0, 1.0, 0.0], [0.0, 1.0, 3.0, 3.0]]) / 8  # pad (1, 1), keep even taps
    x = torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(fir.downsample2d(x), down @ x @ down.t())
    x = torch.randn(1, 2, 12, 8)  # non-square
    torch.testing.assert_close(fir.downsample2d(x), fir.reference_upfirdn2d(x, up=1, down=2, pad=(1, 1), gain=1.0))


@pytest.mark.parametrize("pad", [(1, 1), (2, 2), (2, 1)])
def test_blur_matches_reference(pad):
    x = torch.randn(2, 3, 9, 7)
    torch.testing.assert_close(fir.blur(x, pad, gain=4.0), fir.reference_upfirdn2d(x, 1, 1, pad, 4.0))


def test_resampling_preserves_a_constant_image_interior():
    x = torch.full((1, 1, 8, 8), 2.0)
    assert torch.allclose(fir.upsample2d(x)[..., 2:-2, 2:-2], torch.tensor(2.0))
    assert torch.allclose(fir.downsample2d(x)[..., 1:-1, 1:-1], torch.tensor(2.0))


# --- modulated convolution --------------------------------------------------------------------

def per_sample_reference(x, weight, styles, demodulate, up):
    """Literal StyleGAN2: one modulated (and demodulated) weight per sample, one conv per sample."""
    outs = []
    for n in range(x.shape[0]):
        w = weight * styles[n].view(1, -1, 1, 1)
        if demodulate:
            w = w / w.square().sum(dim=(1, 2, 3), keepdim=True).add(1e-8).sqrt()
        if up:
            y = F.conv_transpose2d(x[n : n + 1], w.transpose(0, 1), stride=2)
            y = fir.reference_upfirdn2d(y, 1, 1, (1, 1), 4.0)
        else:
            y = F.conv2d(x[n : n + 1], w, padding=weight.shape[-1] // 2)
        outs.append(y)
    return torch.cat(outs)


@pytest.mark.parametrize("up", [False, True])
@pytest.mark.parametrize("demodulate", [True, False])
def test_modulated_conv_equals_per_sample_weights(up, demodulate):
    torch.manual_seed(0)
    x, weight, styles = torch.randn(3, 6, 5, 4), torch.randn(7, 6, 3, 3), torch.randn(3, 6)
    out = modulated_conv2d(x, weight, styles, demodulate=demodulate, up=up)
    assert out.shape == ((3, 7, 10, 8) if up else (3, 7, 5, 4))
    torch.testing.assert_close(out, per_sample_reference(x, weight, styles, demodulate, up), rtol=1e-4, atol=1e-5)


def test_synthesis_layer_is_modconv_noise_bias_lrelu():
    torch.manual_seed(0)
    layer = SynthesisLayer(6, 5, w_dim=8, shape=(8, 6), up=True)
    with torch.no_grad():
        layer.bias.normal_()
        layer.noise_strength.fill_(0.3)
    x, w = torch.randn(2, 6, 4, 3), torch.randn(2, 8)
    styles = layer.affine(w)
    conv = per_sample_reference(x, layer.weight, styles, demodulate=True, up=True)
    expected = F.leaky_relu(conv + 0.3 * layer.noise_const + layer.bias.view(1, -1, 1, 1), 0.2) * math.sqrt(2)
    torch.testing.assert_close(layer(x, w, noise_mode="const"), expected, rtol=1e-4, atol=1e-5)
    no_noise = F.leaky_relu(conv + layer.bias.view(1, -1, 1, 1), 0.2) * math.sqrt(2)
    torch.testing.assert_close(layer(x, w, noise_mode="none"), no_noise, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="noise_mode"):
        layer(x, w, noise_mode="fixed")


def test_to_image_is_modulated_1x1_without_demodulation():
    torch.manual_seed(0)
    layer = ToImage(6, 3, w_dim=8)
    with torch.no_grad():
        layer.bias.normal_()
    x, w = torch.randn(2, 6, 5, 4), torch.randn(2, 8)
    styles = layer.affine(w) / math.sqrt(6)
    expected = per_sample_reference(x, layer.weight.view(3, 6, 1, 1), styles, demodulate=False, up=False)
    torch.testing.assert_close(layer(x, w), expected + layer.bias.view(1, -1, 1, 1), rtol=1e-4, atol=1e-5)


def test_demodulated_layer_keeps_unit_scale():
    # demodulation makes each output ~unit variance for unit-variance input, whatever the styles' size
    torch.manual_seed(0)
    x, weight = torch.randn(4, 64, 16, 16), torch.randn(32, 64, 3, 3)
    out = modulated_conv2d(x, weight, torch.randn(4, 64) * 5)
    assert out[..., 1:-1, 1:-1].std().item() == pytest.approx(1.0, rel=0.1)
