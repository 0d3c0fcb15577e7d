"""The compiled core of cygrad (private): storage, views, iterator and kernels."""
