"""A single-layer network from the seed conversation: no ``torch.nn`` at all: plain tensors with
``requires_grad=True``, a hand-written MSE loss and a hand-written SGD step under
``torch.no_grad()``.

The code is the seed conversation's script ("Single Layer PyTorch") verbatim; the only
change is ``import torch`` -> ``import cygrad as torch``. No seed is set, so the weights
start random and the printed losses differ from run to run, as they do in PyTorch.

Run it with ``python examples/seed_tensors.py``.
"""
import cygrad as torch

# Define input data and target output
x = torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]])
y = torch.tensor([[0.5], [0.7], [0.9], [1.1]])

# Define the model weights and bias
w = torch.randn(2, 1, requires_grad=True)
b = torch.randn(1, requires_grad=True)

# Define the model
def single_layer_net(x):
    y_pred = torch.matmul(x, w) + b
    return y_pred

# Define the loss function
def mse_loss(y_pred, y):
    loss = torch.mean(torch.pow(y_pred - y, 2))
    return loss

# Define the learning rate and number of epochs
lr = 0.1
num_epochs = 1000

# Train the model
for epoch in range(num_epochs):
    # Forward pass
    y_pred = single_layer_net(x)

    # Compute loss
    loss = mse_loss(y_pred, y)

    # Backward pass
    loss.backward()

    # Update parameters
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad

        # Reset gradients
        w.grad.zero_()
        b.grad.zero_()

    # Print progress
    if epoch % 100 == 0:
        print(f"Epoch {epoch}, Loss {loss.item()}")

# Test the model
x_test = torch.tensor([[0.9, 1.0], [1.1, 1.2]])
y_pred_test = single_layer_net(x_test)
print(y_pred_test)
