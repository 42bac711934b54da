"""Training and evaluation: one epoch in the four numbered steps, accuracy, a whole run."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from labkit import train

from src import data_setup


def train_epoch(model: nn.Module, batches, optimizer: torch.optim.Optimizer,
                scheduler, device: torch.device) -> float:
    """One pass over ``batches``; returns the mean training loss."""
    model.train()
    total, count = 0.0, 0
    for X, y in batches:
        X, y = X.to(device), y.to(device)
        loss = F.cross_entropy(model(X), y)  # 1. forward, 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
        scheduler.step()
        total += loss.item() * len(X)
        count += len(X)
    return total / count


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor,
             device: torch.device) -> float:
    """The share of X that model classifies as y."""
    model.eval()
    return train.accuracy(model(X.to(device)).cpu(), y)


def fit(make: Callable[[], nn.Module], train_split: data_setup.Split, seed: int,
        device: torch.device, num_epochs: int = 2, batch_size: int = 128,
        lr: float = 1e-2) -> nn.Module:
    """A new model from ``make``, trained with Adam and a one-cycle schedule.

    The seed fixes the initial weights and the order of the batches.
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = make().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    X, y = train_split
    steps = num_epochs * math.ceil(len(X) / batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr,
                                                    total_steps=steps, pct_start=0.15)
    for _ in range(num_epochs):
        batches = data_setup.batches(X, y, batch_size, generator)
        train_epoch(model, batches, optimizer, scheduler, device)
    return model.eval()
