"""Supervised directions: a linear boundary in W fitted to labelled codes (InterFaceGAN: Shen, Gu,
Tang and Zhou, "Interpreting the Latent Space of GANs for Semantic Face Editing", CVPR 2020).

A linear SVM (sklearn LinearSVC, the paper's choice; or logistic regression) separates the codes of
the positive samples from the negative ones; the direction is the unit normal of the boundary,
oriented towards the positive side, so adding it makes a sample more "positive". The labels come
from a conditional model's classes, from a labels file (supervised_labels.py) or from any scorer.

Conditional manipulation (the paper's sec. 2.2): to change one attribute while holding others, the
direction is projected onto the orthogonal complement of the span of the held directions,
n' = n - H^T (H H^T)^-1 H n, then renormalised.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from modiste.errors import ModisteError
from modiste.latent.directions.file import DirectionSet
from modiste.latent.directions.sampling import sample_ws, std_along
from modiste.latent.identity import generator_identity
from modiste.latent.truncation import truncation_centres

CLASSIFIERS = ("svm", "logistic")


def fit_boundary(
    ws: torch.Tensor, positive: torch.Tensor, classifier: str = "svm", holdout: float = 0.2, seed: int = 0
) -> tuple[torch.Tensor, dict]:
    """Unit normal float32 [w_dim] of a linear boundary between ws[positive] and ws[~positive].

    ws: float [N, w_dim]; positive: bool [N] with at least 2 of each. Features are standardised for
    the fit and the normal mapped back to W (coef / std), so the scale of W does not matter.
    Returns (normal oriented towards the positive side, {"accuracy_train", "accuracy_holdout" (on a
    random `holdout` fraction not used for fitting; null when too few), "positives", "negatives"}).
    Raises ModisteError for too few samples of a side or an unknown classifier.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if classifier not in CLASSIFIERS:
        raise ModisteError(f"unknown classifier {classifier!r}: use {' or '.join(CLASSIFIERS)}")
    x = ws.detach().double().cpu().numpy()
    y = positive.detach().cpu().numpy().astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if min(n_pos, n_neg) < 2:
        raise ModisteError(f"a boundary needs at least 2 positive and 2 negative samples, got {n_pos} and {n_neg}: "
                           f"label more samples or pick another attribute value")
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(y))
    n_hold = int(len(y) * holdout) if min(n_pos, n_neg) >= 10 else 0
    held, train = order[:n_hold], order[n_hold:]
    if len(set(y[train])) < 2:
        held, train = order[:0], order
    mean, std = x[train].mean(0), x[train].std(0) + 1e-8
    model = (LinearSVC(C=1.0, max_iter=20_000) if classifier == "svm"
             else LogisticRegression(C=1.0, max_iter=5_000))
    model.fit((x[train] - mean) / std, y[train])
    normal = torch.from_numpy(model.coef_[0] / std)
    if float(normal.norm()) < 1e-12:
        raise ModisteError("the fitted boundary is degenerate (zero normal): the labels do not depend on W")
    accuracy = lambda idx: float(model.score((x[idx] - mean) / std, y[idx])) if len(idx) else None  # noqa: E731
    return (normal / normal.norm()).float(), {"accuracy_train": accuracy(train), "accuracy_holdout": accuracy(held),
                                              "positives": n_pos, "negatives": n_neg}


def orthogonalise(vector: torch.Tensor, hold: torch.Tensor) -> torch.Tensor:
    """Unit vector float32 [w_dim]: `vector` minus its projection onto the span of the rows of hold [M, w_dim].

    Raises ModisteError if the vector lies (numerically) in that span.
    """
    v = vector.double().reshape(-1)
    if hold is not None and hold.numel():
        q, _ = torch.linalg.qr(hold.double().t())  # orthonormal basis of the span, [w_dim, M]
        v = v - q @ (q.t() @ v)
    if float(v.norm()) < 1e-6 * max(float(vector.double().norm()), 1e-12):
        raise ModisteError("the direction lies in the span of the held directions: hold fewer directions")
    return (v / v.norm()).float()


def supervised_set(G, names, vectors, stats, method_meta, layers, hold, hold_names, ws_for_std) -> DirectionSet:
    """The DirectionSet of fitted normals: orthogonalised against `hold` [M, w_dim] if given, with
    the fit statistics, the held names and the std of `ws_for_std` along each direction in meta."""
    if hold is not None and hold.numel():
        vectors = [orthogonalise(v, hold) for v in vectors]
    vectors = torch.stack(vectors)
    meta = {**method_meta, "fit": stats, "held": hold_names or [], "w_std": std_along(ws_for_std, vectors)}
    return DirectionSet(names, vectors, [tuple(layers or (0, G.num_ws))] * len(names), "supervised",
                        generator_identity(G), meta)


def class_directions(
    G: torch.nn.Module,
    classes: list[str] | None = None,
    samples_per_class: int = 500,
    classifier: str = "svm",
    layers: tuple[int, int] | None = None,
    hold: torch.Tensor | None = None,
    hold_names: list[str] | None = None,
    seed: int = 0,
) -> DirectionSet:
    """Directions between a conditional generator's classes, from sampled W of each class.

    classes: None -> one direction per class, that class vs all others (named by the class;
    samples_per_class codes of every class); [A] -> A vs the rest (samples_per_class codes of A and
    as many of the other classes together); [A, B] -> one direction "A_vs_B" from B towards A
    (samples_per_class codes of each).
    hold: [M, w_dim] directions to keep the result orthogonal to. Raises ModisteError for an
    unconditional generator or an unknown class (listing the classes).
    """
    from modiste.gan.generate import class_index

    if G.c_dim == 0:
        raise ModisteError("class directions need a conditional generator: use --labels or another --method")
    names_all = list(G.cfg.class_names)
    idx = [class_index(G, name) for name in (classes or [])]
    if len(idx) > 2:
        raise ModisteError(f"--classes takes one class (vs the rest) or two (A vs B), got {len(idx)}")
    if len(idx) == 1:  # A vs the rest: as many codes of A as of all the others together (balanced)
        rest = [j for j in range(G.c_dim) if j != idx[0]]
        ws_a, c_a = sample_ws(G, samples_per_class, idx, seed)
        ws_r, c_r = sample_ws(G, samples_per_class, rest, seed + 1)
        ws, c = torch.cat([ws_a, ws_r]), torch.cat([c_a, c_r])
    else:
        ws, c = sample_ws(G, samples_per_class * len(idx or names_all), idx or None, seed)
    if len(idx) == 2:
        targets, names = [idx[0]], [f"{names_all[idx[0]]}_vs_{names_all[idx[1]]}"]
    else:
        targets = idx or list(range(G.c_dim))
        names = [names_all[k] for k in targets]
    vectors, stats = [], {}
    for k, name in zip(targets, names):
        v, s = fit_boundary(ws, c == k, classifier, seed=seed)
        vectors.append(v)
        stats[name] = s
    return supervised_set(G, names, vectors, stats, {"source": "classes", "classifier": classifier,
                   "samples_per_class": samples_per_class, "seed": seed}, layers, hold, hold_names, ws)


@torch.no_grad()
def scorer_direction(
    G: torch.nn.Module,
    scorer: Callable[[torch.Tensor], torch.Tensor],
    name: str,
    samples: int = 1000,
    fraction: float = 0.25,
    class_name: str | None = None,
    truncation_psi: float = 1.0,
    center: str | None = None,
    classifier: str = "svm",
    layers: tuple[int, int] | None = None,
    hold: torch.Tensor | None = None,
    hold_names: list[str] | None = None,
    seed: int = 0,
    batch: int = 64,
) -> DirectionSet:
    """A direction named `name` from a scorer: images float [B, 3, H, W] in [-1, 1] -> scores [B].

    `samples` codes are drawn (of `class_name`, or uniform classes), truncated towards `center` when
    psi < 1 (see modiste.latent.truncation), rendered with constant noise and scored; as in
    InterFaceGAN the top `fraction` by score are the positives and the bottom `fraction` the
    negatives (any score scale works), the rest unused. Raises ModisteError for non-finite scores,
    a score tensor of the wrong shape or a fraction outside (0, 0.5].
    """
    from modiste.gan.generate import class_index

    if not 0 < fraction <= 0.5:
        raise ModisteError(f"fraction must be in (0, 0.5], got {fraction}")
    k = class_index(G, class_name)
    ws, c = sample_ws(G, samples, None if k is None else [k], seed)
    device = G.mapping.w_avg.device
    scores = []
    for start in range(0, samples, batch):
        w = ws[start:start + batch].to(device)
        cb = None if c is None else c[start:start + batch].to(device)
        if truncation_psi != 1.0:  # truncate the sampled codes towards their (class) centre
            w = truncation_centres(G, cb, center).to(device).lerp(w, truncation_psi)
            ws[start:start + batch] = w.cpu()
        images = G.synthesis(w.unsqueeze(1).repeat(1, G.num_ws, 1), noise_mode="const")
        s = torch.as_tensor(scorer(images)).reshape(-1).double().cpu()
        if s.shape[0] != len(w):
            raise ModisteError(f"the scorer returned {s.shape[0]} scores for {len(w)} images: return one per image")
        scores.append(s)
    scores = torch.cat(scores)
    if not torch.isfinite(scores).all():
        raise ModisteError("the scorer returned NaN or infinite scores: fix the scorer")
    order = torch.argsort(scores)
    m = max(2, int(samples * fraction))
    chosen = torch.cat([order[:m], order[-m:]])
    positive = torch.zeros(samples, dtype=torch.bool)
    positive[order[-m:]] = True
    v, s = fit_boundary(ws[chosen], positive[chosen], classifier, seed=seed)
    return supervised_set(G, [name], [v], {name: s}, {"source": "scorer", "classifier": classifier, "samples": samples,
                   "fraction": fraction, "class": class_name, "truncation_psi": truncation_psi,
                   "center": center, "seed": seed},
                   layers, hold, hold_names, ws)
