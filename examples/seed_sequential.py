"""A single-layer network from the seed conversation: one ``torch.nn.Linear(2, 1)`` layer in a
``torch.nn.Sequential``, trained with ``torch.nn.MSELoss`` and ``torch.optim.SGD``.

The code is the seed conversation's script ("Single Layer PyTorch") verbatim; the only
change is ``import torch`` -> ``import cygrad as torch``. No seed is set, so the weights
start random and the printed losses differ from run to run, as they do in PyTorch.

Run it with ``python examples/seed_sequential.py``.
"""
import cygrad as torch

# Define input data and target output
x = torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]])
y = torch.tensor([[0.5], [0.7], [0.9], [1.1]])

# Define the model
model = torch.nn.Sequential(
    torch.nn.Linear(2, 1),
)

# Define the loss function
loss_fn = torch.nn.MSELoss()

# Define the optimizer
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

# Train the model
for epoch in range(1000):
    # Forward pass
    y_pred = model(x)

    # Compute loss
    loss = loss_fn(y_pred, y)

    # Backward pass
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

    # Print progress
    if epoch % 100 == 0:
        print(f"Epoch {epoch}, Loss {loss.item()}")

# Test the model
x_test = torch.tensor([[0.9, 1.0], [1.1, 1.2]])
y_pred_test = model(x_test)
print(y_pred_test)
