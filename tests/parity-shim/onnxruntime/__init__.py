"""Test-only stand-in for onnxruntime, for running the parity driver where ONNX Runtime's Python package is absent.

Never shipped with the driver and never put on a user's path: only the manual real-upstream run uses it (see
tests/parity-shim/README.md). It evaluates the vq06 network of speech_tokenizer_v1.onnx with S3Tokenizer's own torch
model (the `s3tokenizer` package must be importable), its weights read from the ONNX file's initializers. Refuses
unless every initializer maps to exactly one model weight of the same shape and every model weight and buffer is
filled (load_state_dict strict), so a wrong mapping cannot pass silently.
"""

import re

import numpy as np
import onnx
import torch
from onnx import numpy_helper

__version__ = "0+speechpairs-test-shim"


class GraphOptimizationLevel:
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_ALL = 99


class SessionOptions:
    def __init__(self):
        self.graph_optimization_level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self.intra_op_num_threads = 0
        self.inter_op_num_threads = 0


class NodeArg:
    def __init__(self, name, shape, type_name):
        self.name = name
        self.shape = shape
        self.type = type_name


_ELEM_TYPES = {onnx.TensorProto.FLOAT: "tensor(float)", onnx.TensorProto.INT32: "tensor(int32)", onnx.TensorProto.INT64: "tensor(int64)"}


def _args(values):
    result = []
    for value in values:
        dims = [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]
        result.append(NodeArg(value.name, dims, _ELEM_TYPES.get(value.type.tensor_type.elem_type, "tensor(?)")))
    return result


_BLOCK = re.compile(r"/blocks\.(\d+)/(attn/(query|key|value|out)|mlp/mlp\.(0|2)|attn_ln|mlp_ln)/(MatMul|Add|LayerNormalization)$")
_CONV = re.compile(r"/(conv1|conv2)/Conv$")


def _weight_names(model):
    """Maps each initializer to the S3Tokenizer state-dict entry it holds, from the node that consumes it.

    torch.onnx.export names nodes by module path (/encoders/blocks.0/attn/query/MatMul), which names the weight;
    MatMul operands are the transposed nn.Linear weight; the codebook is consumed as embed.t() by the distance MatMul.
    """
    initializers = {i.name: i for i in model.graph.initializer}
    mapped = {}

    def assign(initializer, weight, transpose):
        if initializer in mapped and mapped[initializer] != (weight, transpose):
            raise ValueError(f"initializer {initializer} maps to both {mapped[initializer][0]} and {weight}")
        mapped[initializer] = (weight, transpose)

    for node in model.graph.node:
        inputs = [name for name in node.input if name in initializers]
        if not inputs:
            continue
        block = _BLOCK.search(node.name)
        conv = _CONV.search(node.name)
        if conv and node.op_type == "Conv":
            assign(node.input[1], f"encoder.{conv.group(1)}.weight", False)
            if len(node.input) > 2 and node.input[2]:
                assign(node.input[2], f"encoder.{conv.group(1)}.bias", False)
        elif block:
            layer, module = block.group(1), block.group(2).replace("mlp/mlp.", "mlp.").replace("/", ".")
            if node.op_type == "LayerNormalization":
                assign(node.input[1], f"encoder.blocks.{layer}.{module}.weight", False)
                assign(node.input[2], f"encoder.blocks.{layer}.{module}.bias", False)
            elif node.op_type == "MatMul":
                assign(inputs[0], f"encoder.blocks.{layer}.{module}.weight", True)
            else:
                assign(inputs[0], f"encoder.blocks.{layer}.{module}.bias", False)
        elif node.op_type == "Slice" and inputs == [node.input[0]] and "positional_embedding" in inputs[0]:
            assign(inputs[0], "encoder.positional_embedding", False)
        elif node.op_type in ("MatMul", "Pow") and "/blocks." not in node.name and len(inputs) == 1:
            assign(inputs[0], "quantizer._codebook.embed", True)
        else:
            raise ValueError(f"no model weight known for initializer(s) {inputs} of node {node.name} ({node.op_type})")
    unmapped = sorted(set(initializers) - set(mapped))
    if unmapped:
        raise ValueError(f"initializers that map to no weight: {unmapped}")
    return initializers, mapped


def _conv_stride(model):
    strides = [a.ints[0] for n in model.graph.node if n.op_type == "Conv" and "conv1" in n.name for a in n.attribute if a.name == "strides"]
    return strides[0]


def _heads(model):
    """The head count the attention reshapes use: the constant before -1 in the first block's reshape target."""
    constants = {}
    for node in model.graph.node:
        if node.op_type == "Constant":
            constants[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    for node in model.graph.node:
        if node.op_type == "Concat" and "/blocks.0/attn/" in node.name and len(node.input) == 4:
            head, rest = constants.get(node.input[2]), constants.get(node.input[3])
            if head is not None and rest is not None and int(rest.reshape(-1)[0]) == -1:
                return int(head.reshape(-1)[0])
    raise ValueError("cannot read the attention head count from the graph")


class InferenceSession:
    def __init__(self, path, sess_options=None, providers=None, **_):
        from s3tokenizer.model import ModelConfig, S3Tokenizer

        graph = onnx.load(path)
        initializers, mapped = _weight_names(graph)
        state = {}
        for name, (weight, transpose) in mapped.items():
            array = numpy_helper.to_array(initializers[name]).copy()
            tensor = torch.from_numpy(array.T.copy() if transpose else array)
            if weight in state and not torch.equal(state[weight], tensor):
                raise ValueError(f"{weight} is read from two different initializers")
            state[weight] = tensor
        conv1 = state["encoder.conv1.weight"]
        config = ModelConfig(
            n_mels=conv1.shape[1],
            n_audio_ctx=state["encoder.positional_embedding"].shape[0],
            n_audio_state=conv1.shape[0],
            n_audio_head=_heads(graph),
            n_audio_layer=len({k.split(".")[2] for k in state if k.startswith("encoder.blocks.")}),
            n_codebook_size=state["quantizer._codebook.embed"].shape[0],
        )
        # S3Tokenizer picks the first convolution's stride from the model name.
        name = "speech_tokenizer_v1_25hz" if _conv_stride(graph) == 2 else "speech_tokenizer_v1"
        self._model = S3Tokenizer(name, config)
        expected = self._model.state_dict()
        for key, tensor in state.items():
            if key not in expected or expected[key].shape != tensor.shape:
                raise ValueError(f"{key}: shape {tuple(tensor.shape)} does not fit the model ({tuple(expected[key].shape) if key in expected else 'absent'})")
        self._model.load_state_dict(state, strict=True)
        self._model.eval()
        self._inputs = _args(graph.graph.input)
        self._outputs = _args(graph.graph.output)

    def get_inputs(self):
        return self._inputs

    def get_outputs(self):
        return self._outputs

    def get_providers(self):
        return ["CPUExecutionProvider"]

    def run(self, output_names, feed):
        mel = torch.from_numpy(np.asarray(feed[self._inputs[0].name], dtype=np.float32))
        mel_len = torch.from_numpy(np.asarray(feed[self._inputs[1].name]).astype(np.int64))
        with torch.inference_mode():
            codes, _ = self._model.quantize(mel, mel_len)
        # The graph's output: int64 indices of shape [batch, 1, tokens].
        return [codes.unsqueeze(1).numpy().astype(np.int64)]
