"""Gradwell: a thin, typed Python client for the ``gradwell`` host.

The host is a separate executable that speaks newline-delimited JSON-RPC 2.0 on stdin/stdout;
this package starts it, sends requests, routes answers and ``metric`` notifications, and maps
errors to exceptions. No numerics happen in Python.

    import gradwell

    with gradwell.Host() as host:
        host.generate("train", "moons", n=200)
        host.create_model("m", input=2, layers=[
            {"type": "dense", "units": 8, "activation": "relu"},
            {"type": "dense", "units": 1, "activation": "sigmoid"},
        ])
        result = host.train("m", "train", epochs=50, optimizer={"type": "gd", "lr": 0.1})
        print(result.cost, result.accuracy, len(result.metrics))
"""

from .errors import (CallTimeout, Cancelled, GradwellError, HostClosed, HostCrashed, HostIOError,
                     HostNotFound, InternalError, InvalidInput, InvalidParams, InvalidRequest, MethodNotFound,
                     NotFound, ParseError, ProtocolError, ResourceLimit, RPCError, UnknownComponent,
                     error_from_response)
from .host import BUILD_PATHS, Host, PendingCall, TrainIterator, find_host
from .results import Metrics, TrainResult

__version__ = "0.1.0"

__all__ = [
    "Host", "PendingCall", "TrainIterator", "find_host", "BUILD_PATHS",
    "Metrics", "TrainResult",
    "GradwellError", "HostNotFound", "HostCrashed", "HostClosed", "CallTimeout", "ProtocolError", "InvalidInput",
    "RPCError", "ParseError", "InvalidRequest", "MethodNotFound", "InvalidParams", "InternalError",
    "UnknownComponent", "ResourceLimit", "NotFound", "HostIOError", "Cancelled",
    "error_from_response",
]
