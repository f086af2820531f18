# A standard PyTorch training script, which examples/pytorch-port.mjs ports to nabla line for line:
# a custom Module with a ModuleList of residual blocks (LayerNorm, Linear, GELU), AdamW with
# OneCycleLR stepped every batch, gradient clipping, and a checkpoint that a fresh process resumes.
# Run with Debian's PyTorch: /usr/bin/python3 examples/pytorch-port.py (MNIST from torchvision's
# files is left out: any [N, 784] float tensor and [N] labels will do).
import torch
import torch.nn as nn
import torch.nn.functional as F

EPOCHS, HALF = 4, 2


class Net(nn.Module):
    def __init__(self, width=64, depth=3):
        super().__init__()
        self.embed = nn.Linear(784, width)
        self.blocks = nn.ModuleList([nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.GELU()) for _ in range(depth)])
        self.head = nn.Linear(width, 10)

    def forward(self, x):
        x = self.embed(x)
        for block in self.blocks:
            x = x + block(x)
        return self.head(x)


def train(images, labels, epochs, checkpoint=None, resume=None):
    torch.manual_seed(0)
    model = Net()
    generator = torch.Generator().manual_seed(0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=100, shuffle=True, generator=generator)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, epochs=EPOCHS, steps_per_epoch=len(loader))
    start = 0
    if resume is not None:
        state = torch.load(resume)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        start = state["epoch"]
    for epoch in range(start, epochs):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, lr {scheduler.get_last_lr()[0]:.6f}")
        if checkpoint is not None:
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                        "generator": generator.get_state(), "epoch": epoch + 1}, checkpoint)
    return model


if __name__ == "__main__":
    images, labels = torch.rand(2000, 784), torch.randint(0, 10, (2000,))
    straight = train(images, labels, EPOCHS)
    train(images, labels, HALF, checkpoint="/tmp/pytorch-port.pt")
    resumed = train(images, labels, EPOCHS, resume="/tmp/pytorch-port.pt")
    same = all(torch.equal(a, b) for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()))
    print("resumed run equals the straight run bit for bit:", same)
