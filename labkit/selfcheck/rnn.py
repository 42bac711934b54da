"""Self-checks of tutorial 17, "Recurrent networks": the bigram, the RNN cell, BPTT, clipping.

The references are [`labkit.rnn`][labkit.rnn]'s functions where labkit has one (the
cell, backpropagation through time, gradient clipping) and short functions
here otherwise. Inputs are small and never square where a transpose could
hide (input size ≠ hidden size, V × V count matrices far from symmetric), the
biases are non-zero so that a missing one shows, and ``dH`` is non-zero at
every step so that a backward pass that only reads the last step fails.
"""

from __future__ import annotations

import torch

from labkit import rnn
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "17-rnn"

_F64 = torch.float64
_IGNORE = -100  # labkit.text.IGNORE_INDEX, F.cross_entropy's default ignore_index


def _randn(gen: torch.Generator, *shape: int, dtype: torch.dtype = _F64, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=gen, dtype=dtype)


# ---------------------------------------------------------------- 17.1 bigram


def bigram_probs(X: torch.Tensor, Y: torch.Tensor, vocab_size: int, alpha: float) -> torch.Tensor:
    """P[i, j] = (count(i → j) + α) / Σ_k (count(i → k) + α): (V, V) float32, rows sum to 1."""
    counts = torch.bincount(X * vocab_size + Y, minlength=vocab_size**2)
    counts = counts.reshape(vocab_size, vocab_size).float() + alpha  # (V, V)
    return counts / counts.sum(1, keepdim=True)


def _counts(X, Y, V):
    return torch.bincount(X * V + Y, minlength=V * V).reshape(V, V).float()


def _bigram_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for V, E, alpha in ((3, 12, 1.0), (5, 40, 0.5), (6, 80, 0.1)):
        X = torch.randint(V, (E,), generator=gen)
        # next tokens biased towards X + 1, so that count(i → j) ≠ count(j → i)
        Y = torch.where(torch.rand(E, generator=gen) < 0.6, (X + 1) % V, torch.randint(V, (E,), generator=gen))
        cases.append((X, Y, V, alpha))
    return cases


def _pairs_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for V, E in ((3, 6), (5, 20), (7, 50)):
        P = torch.rand(V, V, generator=gen) + 0.05
        P = P / P.sum(1, keepdim=True)
        cases.append((P, torch.randint(V, (E,), generator=gen), torch.randint(V, (E,), generator=gen)))
    return cases


def bigram_nll(P: torch.Tensor, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Mean over the E pairs of −ln P[X_e, Y_e]: a 0-dim tensor (nats per character)."""
    return -P[X, Y].log().mean()


# ---------------------------------------------------------------- 17.2 the cell


def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """h_new = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh), (N, hidden)."""
    return rnn.rnn_cell_forward(x, h, W_ih, W_hh, b_ih, b_hh)[0]


def _cell_params(gen, n_in, hidden, gates=1, dtype=_F64):
    scale = hidden**-0.5
    return (_randn(gen, gates * hidden, n_in, dtype=dtype, scale=scale),
            _randn(gen, gates * hidden, hidden, dtype=dtype, scale=scale),
            _randn(gen, gates * hidden, dtype=dtype, scale=0.5),
            _randn(gen, gates * hidden, dtype=dtype, scale=0.5))


def _cell_cases(gen: torch.Generator) -> list[tuple]:
    # (N, input, hidden): input ≠ hidden, so weights used the wrong way round do not fit
    return [
        (_randn(gen, n, i), _randn(gen, n, h, scale=0.5), *_cell_params(gen, i, h))
        for n, i, h in ((1, 2, 3), (4, 3, 5), (3, 6, 4))
    ]


def _linear_parts(x, h, W_ih, W_hh, b_ih, b_hh):
    return x @ W_ih.T + b_ih, h @ W_hh.T + b_hh


# ---------------------------------------------------------------- 17.3 BPTT


def rnn_bptt(X, h0, W_ih, W_hh, b_ih, b_hh, dH):
    """Forward over X (T, N, input), then BPTT: (dX, dh0, dW_ih, dW_hh, db)."""
    H, cache = rnn.rnn_forward(X, h0, (W_ih, W_hh, b_ih, b_hh))
    grads = rnn.rnn_backward(dH, cache)
    return grads.dX, grads.dh0, grads.dW_ih, grads.dW_hh, grads.db_ih


def _bptt_variant(X, h0, W_ih, W_hh, b_ih, b_hh, dH, *, tanh_grad=True, recurrent=True,
                  every_step=True, accumulate=True, h_prev=True):
    """Backpropagation through time with one of the typical mistakes switched on."""
    hs = [h0]
    for x in X:
        hs.append(torch.tanh(x @ W_ih.T + b_ih + hs[-1] @ W_hh.T + b_hh))
    dX = torch.zeros_like(X)
    dW_ih, dW_hh, db = torch.zeros_like(W_ih), torch.zeros_like(W_hh), torch.zeros_like(b_ih)
    dh_next = torch.zeros_like(h0)
    for t in reversed(range(len(X))):
        dh = (dH[t] if every_step or t == len(X) - 1 else 0) + (dh_next if recurrent else 0)
        da = dh * (1 - hs[t + 1] ** 2) if tanh_grad else dh
        dX[t] = da @ W_ih
        dh_next = da @ W_hh
        step = (da.T @ X[t], da.T @ (hs[t] if h_prev else hs[t + 1]), da.sum(0))
        if accumulate:
            dW_ih, dW_hh, db = dW_ih + step[0], dW_hh + step[1], db + step[2]
        else:
            dW_ih, dW_hh, db = step
    return dX, dh_next, dW_ih, dW_hh, db


def _bptt_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for T, n, i, h in ((2, 1, 2, 3), (4, 3, 3, 5), (6, 2, 4, 3)):
        cases.append((_randn(gen, T, n, i), _randn(gen, n, h, scale=0.5), *_cell_params(gen, i, h),
                      _randn(gen, T, n, h)))
    return cases


# ---------------------------------------------------------------- 17.4 the language model's loss


def masked_char_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean of −log softmax(logits)[target] over the real characters (targets ≠ −100)."""
    mask = targets != _IGNORE  # (N, T)
    logp = logits.log_softmax(-1)  # (N, T, V)
    picked = logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)  # (N, T)
    return -(picked * mask).sum() / mask.sum()


def _picked(logp, targets):
    return logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)


def _nll_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for N, T, V, dtype in ((2, 3, 4, torch.float32), (3, 5, 6, torch.float32), (4, 6, 5, _F64)):
        lengths = torch.randint(1, T + 1, (N,), generator=gen)
        lengths[0] = T - 1 if T > 1 else T  # at least one padded position in the batch
        targets = torch.randint(V, (N, T), generator=gen)
        targets[torch.arange(T)[None, :] >= lengths[:, None]] = _IGNORE
        cases.append((_randn(gen, N, T, V, dtype=dtype, scale=2.0), targets))
    return cases


# ---------------------------------------------------------------- 17.5 temperature


def temperature_probs(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """softmax(logits / τ) over the last axis."""
    return torch.softmax(logits / temperature, dim=-1)


def _temperature_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, 4, dtype=torch.float32, scale=2.0), 0.5),
        (_randn(gen, 3, 5, dtype=torch.float32, scale=2.0), 2.0),
        (_randn(gen, 2, 6, dtype=_F64, scale=3.0), 0.25),
    ]


# ---------------------------------------------------------------- 17.7 clipping


def clip_grad_norm(grads, max_norm):
    """(clipped gradients, total norm before clipping), as torch.nn.utils.clip_grad_norm_."""
    return rnn.clip_grad_norm(grads, max_norm)


def _clip_cases(gen: torch.Generator) -> list[tuple]:
    return [
        ([_randn(gen, 2, 3, dtype=torch.float32), _randn(gen, 4, dtype=torch.float32, scale=3.0)], 1.0),
        ([_randn(gen, 3, 2, dtype=torch.float32, scale=0.1), _randn(gen, 2, dtype=torch.float32, scale=0.1)], 5.0),
        ([_randn(gen, 4, 4, scale=2.0), _randn(gen, 4, scale=0.5), _randn(gen, 3, 4)], 2.5),
    ]


def _total(grads):
    return torch.sqrt(sum((g**2).sum() for g in grads))


def _clip_each(grads, max_norm):
    clipped = [g * min(1.0, max_norm / (float(g.norm()) + 1e-6)) for g in grads]
    return clipped, _total(grads)


def _clip_always(grads, max_norm):
    total = _total(grads)
    return [g * max_norm / (total + 1e-6) for g in grads], total


def _clip_squared(grads, max_norm):
    total_sq = sum((g**2).sum() for g in grads)
    scale = min(1.0, max_norm / (float(total_sq) + 1e-6))
    return [g * scale for g in grads], total_sq


register(
    Exercise(
        name="bigram_probs",
        page=PAGE,
        reference=bigram_probs,
        cases=_bigram_cases,
        what="equals the smoothed, row-normalised bigram counts",
        mistakes=[
            Mistake(
                "the columns sum to 1 instead of the rows: row i must be the distribution of the "
                "character that follows i, so divide by counts.sum(1, keepdim=True).",
                lambda X, Y, V, a: (_counts(X, Y, V) + a) / (_counts(X, Y, V) + a).sum(0, keepdim=True),
            ),
            Mistake(
                "current and next character are swapped: P[i, j] counts i followed by j, so the "
                "row index is X (the current character) and the column index Y (the next one).",
                lambda X, Y, V, a: bigram_probs(Y, X, V, a),
            ),
            Mistake(
                "the smoothing is missing: add α to every count before normalising.",
                lambda X, Y, V, a: bigram_probs(X, Y, V, 0.0),
            ),
            Mistake(
                "α is added to the numerator only, so the rows no longer sum to 1: add it to "
                "every count, which adds V·α to each row's total.",
                lambda X, Y, V, a: (_counts(X, Y, V) + a) / _counts(X, Y, V).sum(1, keepdim=True),
            ),
        ],
    ),
    Exercise(
        name="bigram_nll",
        page=PAGE,
        reference=bigram_nll,
        cases=_pairs_cases,
        what="equals the mean −ln P[x, y] over the pairs",
        mistakes=[
            Mistake(
                "the indices are swapped: the probability of y after x is P[x, y], row x, column y.",
                lambda P, X, Y: -P[Y, X].log().mean(),
            ),
            Mistake(
                "this is the sum over the pairs; the NLL per character is the mean.",
                lambda P, X, Y: -P[X, Y].log().sum(),
            ),
            Mistake(
                "this is in bits (log₂); the page measures nats, with the natural log.",
                lambda P, X, Y: -P[X, Y].log2().mean(),
            ),
            Mistake(
                "this is −ln of the mean probability; the NLL is the mean of −ln P, taken pair by pair.",
                lambda P, X, Y: -P[X, Y].mean().log(),
            ),
        ],
    ),
    Exercise(
        name="rnn_cell",
        page=PAGE,
        reference=rnn_cell,
        cases=_cell_cases,
        what="equals nn.RNNCell's tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)",
        mistakes=[
            Mistake(
                "the tanh is missing: h_new = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).",
                lambda *a: sum(_linear_parts(*a)),
            ),
            Mistake(
                "this is the sigmoid; nn.RNNCell's default nonlinearity is tanh.",
                lambda *a: torch.sigmoid(sum(_linear_parts(*a))),
            ),
            Mistake(
                "W_hh is used without the transpose: torch stores weights as (out, in), so the "
                "recurrent term is h @ W_hh.T.",
                lambda x, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x @ W_ih.T + b_ih + h @ W_hh + b_hh),
            ),
            Mistake(
                "a bias is missing: nn.RNNCell has two, b_ih and b_hh, and adds both.",
                lambda x, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T),
            ),
            Mistake(
                "the tanh is applied to the input term only: the recurrent term h W_hh^T + b_hh "
                "goes inside it too.",
                lambda x, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x @ W_ih.T + b_ih) + h @ W_hh.T + b_hh,
            ),
        ],
    ),
    Exercise(
        name="rnn_bptt",
        page=PAGE,
        reference=rnn_bptt,
        cases=_bptt_cases,
        what="equals autograd's gradients through the unrolled tanh RNN",
        output_names=("dX", "dh0", "dW_ih", "dW_hh", "db"),
        mistakes=[
            Mistake(
                "the tanh derivative is missing: before the weights, multiply by 1 − h_t², "
                "da_t = ∂L/∂h_t ⊙ (1 − h_t²).",
                lambda *a: _bptt_variant(*a, tanh_grad=False),
            ),
            Mistake(
                "nothing flows back through time: ∂L/∂h_t = dH[t] + da_{t+1} W_hh, the second term "
                "carries the gradient of every later step.",
                lambda *a: _bptt_variant(*a, recurrent=False),
            ),
            Mistake(
                "only the last step's loss is used: add dH[t] at every step t, the loss reads every h_t.",
                lambda *a: _bptt_variant(*a, every_step=False),
            ),
            Mistake(
                "the weight gradients are overwritten at every step: W_ih, W_hh and the biases are "
                "shared by all steps, so their gradients add up (+=) over t.",
                lambda *a: _bptt_variant(*a, accumulate=False),
            ),
            Mistake(
                "dW_hh uses h_t; step t multiplies W_hh by the previous state, so dW_hh += da_tᵀ h_{t−1}.",
                lambda *a: _bptt_variant(*a, h_prev=False),
            ),
        ],
    ),
    Exercise(
        name="masked_char_nll",
        page=PAGE,
        reference=masked_char_nll,
        cases=_nll_cases,
        what="equals F.cross_entropy with ignore_index=−100: the mean NLL per real character",
        mistakes=[
            Mistake(
                "it divides by all N·T positions: the padded ones add 0 to the sum but must not "
                "count in the mean; divide by mask.sum(), the number of real characters.",
                lambda lo, t: -(_picked(lo.log_softmax(-1), t) * (t != _IGNORE)).sum() / t.numel(),
            ),
            Mistake(
                "the padded positions are scored too (as character 0): mask them out, "
                "mask = targets != −100.",
                lambda lo, t: -_picked(lo.log_softmax(-1), t).mean(),
            ),
            Mistake(
                "the logits are used as log-probabilities: take log_softmax over the vocabulary first.",
                lambda lo, t: -(_picked(lo, t) * (t != _IGNORE)).sum() / (t != _IGNORE).sum(),
            ),
            Mistake(
                "the softmax runs over the time axis: the distribution is over the vocabulary, "
                "the last axis (dim=-1).",
                lambda lo, t: -(_picked(lo.log_softmax(1), t) * (t != _IGNORE)).sum() / (t != _IGNORE).sum(),
            ),
            Mistake(
                "this is the mean over names of each name's mean: long names must weigh more, "
                "each character counts once (sum over all real characters, divide by their number).",
                lambda lo, t: (-(_picked(lo.log_softmax(-1), t) * (t != _IGNORE)).sum(1)
                               / (t != _IGNORE).sum(1)).mean(),
            ),
        ],
    ),
    Exercise(
        name="temperature_probs",
        page=PAGE,
        reference=temperature_probs,
        cases=_temperature_cases,
        what="equals softmax(logits / τ)",
        mistakes=[
            Mistake(
                "the logits are multiplied by τ: divide them, softmax(logits / τ), so that a small τ "
                "sharpens the distribution.",
                lambda lo, tau: torch.softmax(lo * tau, dim=-1),
            ),
            Mistake(
                "the probabilities are divided by τ after the softmax, so they no longer sum to 1: "
                "divide the logits before it.",
                lambda lo, tau: torch.softmax(lo, dim=-1) / tau,
            ),
            Mistake(
                "p^{1/τ} is the right shape but must be normalised again to sum to 1, which is "
                "exactly softmax(logits / τ).",
                lambda lo, tau: torch.softmax(lo, dim=-1) ** (1 / tau),
            ),
            Mistake(
                "the softmax runs over the first axis: the distribution is over the vocabulary, dim=-1.",
                lambda lo, tau: torch.softmax(lo / tau, dim=0),
            ),
        ],
    ),
    Exercise(
        name="clip_grad_norm",
        page=PAGE,
        reference=clip_grad_norm,
        cases=_clip_cases,
        what="equals torch.nn.utils.clip_grad_norm_ (rescaled gradients and the total norm)",
        output_names=("clipped", "total_norm"),
        mistakes=[
            Mistake(
                "each tensor is clipped with its own norm: the norm is taken over all gradients "
                "together, √(Σ_k ‖g_k‖²), and one factor rescales them all.",
                _clip_each,
            ),
            Mistake(
                "this clips each entry to [−max_norm, max_norm] (clip_grad_value_): clipping by "
                "norm rescales the whole vector and keeps its direction.",
                lambda gs, m: ([g.clamp(-m, m) for g in gs], _total(gs)),
            ),
            Mistake(
                "the gradients are rescaled even when their norm is below max_norm: multiply by "
                "min(1, max_norm / ‖g‖).",
                _clip_always,
            ),
            Mistake(
                "the square root is missing: ‖g‖ = √(Σ g²).",
                _clip_squared,
            ),
        ],
    ),
)
