#!/usr/bin/env python3
"""SpeechPairs parity driver: the user's own Step-Audio tokenizer on a list of clips.

`worker parity` runs this file with the interpreter of the user's Step-Audio environment. It imports
`StepAudioTokenizer` from the user's checkout unchanged and calls it the way the Genshin batch script does
(soundfile read, channel mean, `wav2token(audio, sr, trim)`, `merge_vq0206_to_token_str(vq02, vq06)`). It changes one
setting, the FunASR frontend's fbank dither, to SpeechPairs' value (FunASR otherwise adds unseeded noise with dither
1.0), and observes one thing, the vq02 centroid distances, so a differing code can be told apart as a near-tie.

Exit 0: the output file is written (a clip the reference raised on is recorded with its error).
Exit 2: the reference cannot run here; one line "refused: <why>" on stderr, written before any clip is tokenized.
Only the standard library is imported before the checks; the rest comes from the user's environment.
"""

import argparse
import ast
import contextlib
import importlib
import importlib.util
import inspect
import json
import os
import platform
import sys
import time

FORMAT = "speechpairs-parity-reference"
VERSION = 1
REFUSED = 2
BUNDLE_FILES = ("linguistic_tokenizer.npy", "speech_tokenizer_v1.onnx")
FUNASR_MODEL_ID = "dengcunqin/speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online"
# What this driver itself needs from the environment, beyond what tokenizer.py imports.
DRIVER_PACKAGES = ("numpy", "torch", "soundfile")
# Distribution names where they differ from the module name, for the hint in a refusal.
PIP_NAMES = {"whisper": "openai-whisper", "yaml": "pyyaml", "sklearn": "scikit-learn"}


class Refusal(Exception):
    pass


def log(message):
    print(message, file=sys.stderr, flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step-audio-dir", required=True, help="the Step-Audio-EditX checkout (holds tokenizer.py)")
    parser.add_argument("--tokenizer-dir", required=True, help="the Step-Audio-Tokenizer model bundle")
    parser.add_argument("--clips", required=True, help="JSON written by worker parity: {seed, clips: [{id, rel_wav, wav}]}")
    parser.add_argument("--out", required=True, help="where to write the reference output (JSON)")
    parser.add_argument("--dither", type=float, default=0.0, help="fbank dither for the FunASR frontend")
    parser.add_argument("--device", default="cpu", help="funasr_device: auto, cpu, mps or cuda")
    parser.add_argument("--trim", action="store_true", help="wav2token(..., enable_trim=True)")
    return parser.parse_args(argv)


def check_folders(args):
    step_audio = os.path.abspath(args.step_audio_dir)
    if not os.path.isdir(step_audio):
        raise Refusal(f"Step-Audio folder not found: {args.step_audio_dir}")
    tokenizer_py = os.path.join(step_audio, "tokenizer.py")
    if not os.path.isfile(tokenizer_py):
        raise Refusal(f"no tokenizer.py in {step_audio}: give the Step-Audio-EditX checkout, the folder that holds tokenizer.py")
    if not os.path.isdir(args.tokenizer_dir):
        raise Refusal(f"tokenizer dir not found: {args.tokenizer_dir}")
    missing = [f for f in BUNDLE_FILES if not os.path.isfile(os.path.join(args.tokenizer_dir, f))]
    if not os.path.isdir(os.path.join(args.tokenizer_dir, *FUNASR_MODEL_ID.split("/"))):
        missing.append(FUNASR_MODEL_ID + "/")
    if missing:
        raise Refusal(f"the tokenizer dir {args.tokenizer_dir} lacks {', '.join(missing)}: give the Step-Audio-Tokenizer bundle folder")
    return step_audio, tokenizer_py


def read_clips(path):
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        clips = document["clips"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise Refusal(f"cannot read the clip list {path}: {e}")
    absent = [c["wav"] for c in clips if not os.path.isfile(c["wav"])]
    if absent:
        raise Refusal(f"{len(absent)} clip(s) not found, first: {absent[0]}")
    return document.get("seed"), clips


def top_level_imports(tokenizer_py):
    """The modules tokenizer.py imports at module level, read without running it."""
    with open(tokenizer_py, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=tokenizer_py)
    names, classes = [], set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.extend(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module.split(".")[0])
        elif isinstance(node, ast.ClassDef):
            classes.add(node.name)
    return list(dict.fromkeys(names)), classes


def check_packages(step_audio, tokenizer_py):
    try:
        imports, classes = top_level_imports(tokenizer_py)
    except (OSError, SyntaxError, ValueError) as e:
        raise Refusal(f"cannot read {tokenizer_py}: {e}")
    if "StepAudioTokenizer" not in classes:
        raise Refusal(f"{tokenizer_py} defines no StepAudioTokenizer class: is {step_audio} a Step-Audio-EditX checkout?")
    # The checkout's own modules (utils, model_loader, funasr_detach) are found on its folder, like its scripts find them.
    sys.path.insert(0, step_audio)
    missing = []
    for name in list(DRIVER_PACKAGES) + imports:
        if name in sys.builtin_module_names or name in missing:
            continue
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    if missing:
        hint = " ".join(PIP_NAMES.get(m, m) for m in missing)
        raise Refusal(f"missing Python package(s) {', '.join(missing)} in {sys.executable} "
                      f"(is it the interpreter of your Step-Audio environment? there: pip install {hint})")


def import_tokenizer(tokenizer_py):
    try:
        module = importlib.import_module("tokenizer")
    except ModuleNotFoundError as e:
        raise Refusal(f"importing {tokenizer_py} failed: missing package {e.name} in {sys.executable} "
                      f"(pip install {PIP_NAMES.get(e.name, e.name)} in your Step-Audio environment)")
    except Exception as e:
        raise Refusal(f"importing {tokenizer_py} failed: {type(e).__name__}: {e}")
    if os.path.abspath(getattr(module, "__file__", "") or "") != tokenizer_py:
        raise Refusal(f"'import tokenizer' found {getattr(module, '__file__', '?')} instead of {tokenizer_py}")
    cls = getattr(module, "StepAudioTokenizer", None)
    if not inspect.isclass(cls):
        raise Refusal(f"{tokenizer_py} has no StepAudioTokenizer class")
    for method in ("wav2token", "merge_vq0206_to_token_str"):
        if not callable(getattr(cls, method, None)):
            raise Refusal(f"{tokenizer_py}: StepAudioTokenizer has no {method}(); this driver needs a Step-Audio-EditX tokenizer")
    return cls


def build(cls, tokenizer_dir, device):
    parameters = inspect.signature(cls.__init__).parameters
    kwargs = {}
    if "funasr_device" in parameters:
        kwargs["funasr_device"] = device
    elif device not in ("cpu", "auto"):
        raise Refusal(f"this StepAudioTokenizer takes no funasr_device, so it cannot run on {device}: use --device cpu")
    try:
        # Its loader prints progress on stdout; keep the driver's own channel readable.
        with contextlib.redirect_stdout(sys.stderr):
            return cls(os.path.abspath(tokenizer_dir), **kwargs)
    except Exception as e:
        raise Refusal(f"building StepAudioTokenizer on {tokenizer_dir} failed: {type(e).__name__}: {e}")


def set_dither(tok, dither):
    """FunASR builds its streaming frontend once, into the AutoModel's kwargs; its dither is read on every chunk."""
    frontend = getattr(getattr(tok, "funasr_model", None), "kwargs", {}).get("frontend")
    if frontend is None or not hasattr(frontend, "dither"):
        raise Refusal("cannot find the FunASR frontend's dither (funasr_model.kwargs['frontend'].dither) on this StepAudioTokenizer")
    previous = float(frontend.dither)
    frontend.dither = float(dither)
    return previous


def observe_distances(tok):
    """Records the two smallest centroid distances of every vq02 frame, beside the reference's own kmean_cluster.

    The codes are still the reference's: its kmean_cluster runs unchanged and its result is returned; the distances
    are computed again from the same inputs. Returns the list the distances of each call are appended to, or None
    where this tokenizer has no kmean_cluster to observe.
    """
    import torch

    original = getattr(tok, "kmean_cluster", None)
    if not callable(original):
        return None
    calls = []

    def kmean_cluster(samples, means):
        codes = original(samples, means)
        with torch.no_grad():
            nearest = torch.topk(torch.cdist(samples, means), 2, dim=1, largest=False)
        calls.append((nearest.values.detach().cpu().double().tolist(), nearest.indices.detach().cpu().tolist()))
        return codes

    tok.kmean_cluster = kmean_cluster
    return calls


def load_audio(path):
    """The batch script's reader: soundfile float32 (ints scaled as torchaudio's soundfile backend does), channels averaged."""
    import soundfile
    import torch

    data, sample_rate = soundfile.read(path, dtype="float32", always_2d=True)
    audio = torch.from_numpy(data.T.copy())
    if audio.shape[0] > 1:
        audio = audio.mean(dim=0, keepdim=True)
    return audio, sample_rate


def tokenize(tok, clip, trim, distance_calls):
    if distance_calls is not None:
        distance_calls.clear()
    audio, sample_rate = load_audio(clip["wav"])
    _, vq02, vq06 = tok.wav2token(audio, sample_rate, trim)
    vq02 = [int(x) for x in vq02]
    vq06 = [int(x) for x in vq06]
    entry = {"vq02": vq02, "vq06": vq06, "tokens": tok.merge_vq0206_to_token_str(vq02, vq06)}
    if distance_calls is not None:
        distances = [d for values, _ in distance_calls for d in values]
        indices = [i for _, index in distance_calls for i in index]
        # Kept only when they describe exactly the codes returned.
        if len(distances) == len(vq02) and all(pair[0] == code for pair, code in zip(indices, vq02)):
            entry["vq02_top2"] = distances
            entry["vq02_top2_index"] = indices
    return entry


def versions():
    found = {}
    for name in ("torch", "torchaudio", "numpy", "onnxruntime", "whisper", "soundfile"):
        module = sys.modules.get(name)
        if module is not None:
            found[name] = str(getattr(module, "__version__", "unknown"))
    return found


def write_output(path, document):
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(temporary, path)


def main(argv):
    args = parse_args(argv)
    try:
        step_audio, tokenizer_py = check_folders(args)
        seed, clips = read_clips(args.clips)
        check_packages(step_audio, tokenizer_py)
        cls = import_tokenizer(tokenizer_py)
        log(f"building StepAudioTokenizer from {tokenizer_py} on {args.tokenizer_dir} (funasr_device {args.device})")
        tok = build(cls, args.tokenizer_dir, args.device)
        dither_default = set_dither(tok, args.dither)
        distance_calls = observe_distances(tok)
    except Refusal as e:
        print(f"refused: {e}", file=sys.stderr, flush=True)
        return REFUSED

    device = str(getattr(tok, "funasr_device", "cpu"))
    if args.device not in ("auto", device):
        print(f"warning: the reference asked for {args.device} but runs vq02 on {device}", file=sys.stderr, flush=True)
    if distance_calls is None:
        log("this StepAudioTokenizer has no kmean_cluster: vq02 distances are not recorded, so no difference can count as a near-tie")

    results = []
    for number, clip in enumerate(clips, 1):
        started = time.monotonic()
        entry = {"id": clip["id"], "rel_wav": clip.get("rel_wav")}
        try:
            entry.update(tokenize(tok, clip, args.trim, distance_calls))
            outcome = f"{len(entry['vq02'])} vq02, {len(entry['vq06'])} vq06"
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            outcome = entry["error"]
        results.append(entry)
        log(f"clip {number}/{len(clips)} {clip['id']}: {outcome} ({time.monotonic() - started:.1f} s)")

    import torch

    write_output(args.out, {
        "format": FORMAT,
        "version": VERSION,
        "reference": {
            "tokenizer_py": tokenizer_py,
            "python": sys.executable,
            "python_version": platform.python_version(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "packages": versions(),
            "torch_threads": torch.get_num_threads(),
            "device_requested": args.device,
            "device": device,
            "dither": args.dither,
            "dither_default": dither_default,
            "trim": args.trim,
            "loader": "soundfile",
            "vq02_distances": distance_calls is not None,
            "seed": seed,
        },
        "clips": results,
    })
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
