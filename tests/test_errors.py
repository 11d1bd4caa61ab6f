"""Errors: ``fails_on_purpose`` (a short report of an intended error, and a failure if there
is none), and the bad-input table: across the library, a meaningless or malformed argument
gets a clear error (or, where it is usable but odd, a warning) naming it."""

import numpy as np
import pytest
import torch

from ganbook.pages.errors import fails_on_purpose, short_report


def test_prints_the_failing_line_and_the_wrapped_error(capsys):
    with fails_on_purpose(TypeError):
        len(5)  # the line the report must show
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("This cell fails on purpose")
    assert out[1].strip().startswith("len(5)")
    assert out[2] == "TypeError: object of type 'int' has no len()"


def test_long_messages_wrap_to_the_width():
    report = short_report(ValueError("x" * 50 + " " + "y" * 60), width=60)
    assert all(len(line) <= 60 for line in report.splitlines())


def test_no_error_is_a_failure_and_other_errors_pass_through():
    with pytest.raises(AssertionError, match="should fail with TypeError"):
        with fails_on_purpose(TypeError):
            pass
    with pytest.raises(KeyError):
        with fails_on_purpose(TypeError):
            {}["missing"]


def test_expected_must_be_exception_classes():
    with pytest.raises(TypeError, match="exception classes"):
        with fails_on_purpose("TypeError"):
            pass


# -- the bad-input table: one row a case, each a clear message --------------------------------
#
# Each row: an id, a function that makes the bad call, the error (or warning) class and a
# phrase of its message, which names the argument, what was expected and what came.


def _trainer(sample_real=None, **kw):
    from ganbook import Trainer
    from ganbook.core.nets import MLPDiscriminator, MLPGenerator

    real = (lambda n: torch.randn(n, 1)) if sample_real is None else sample_real
    kw = {"device": "cpu", "batch_size": 8, **kw}
    return Trainer(MLPGenerator(2, 1, hidden=8), MLPDiscriminator(1, hidden=8), real, **kw)


def _fit(sample_real=None, steps=1, **fit):
    return lambda: _trainer(sample_real).fit(steps, progress=False, **fit)


def _captions(*texts, max_len=None, music=False):
    """encode_captions of ``texts`` with a small caption vocabulary, or with the
    text-to-music descriptions' one."""

    def call():
        from ganbook.music.describe import description_vocab
        from ganbook.text.caption import caption_vocab, encode_captions

        vocab = description_vocab() if music else caption_vocab(
            ["a thick seven leaning right", "a thin one , upright"])
        return encode_captions(vocab, list(texts), max_len)

    return call


def _one_str():
    from ganbook.text.caption import caption_vocab, encode_captions

    return encode_captions(caption_vocab(["a seven"]), "a seven")


def _attributes(mode=0, pace=0, register=0):
    from ganbook.music.describe import Attributes

    return lambda: Attributes(mode, pace, register)


def _super_resolve(lr, **kw):
    from ganbook.applications.super_resolution import SRResNet, super_resolve

    return lambda: super_resolve(SRResNet(channels=3, width=4, blocks=0, factor=2), lr, **kw)


def _masked(mask, images=None):
    from ganbook.applications.inpainting import masked

    images = torch.zeros(2, 1, 8, 8) if images is None else images
    return lambda: masked(images, mask)


APP = "ganbook.applications."  # the application chapters' modules


def _call(module, name, *args, **kwargs):
    """``module.name(*args, **kwargs)``, imported when the row runs."""
    import importlib

    return lambda: getattr(importlib.import_module(module), name)(*args, **kwargs)


_HOLE = torch.zeros(2, 1, 8, 8)
_HOLE[:, :, 2:6, 2:6] = 1.0

BAD_INPUTS = [
    # -- the Trainer, at construction
    ("gp_weight -1", lambda: _trainer(gp_weight=-1), ValueError,
     "gp_weight must be a number >= 0 (finite), got -1"),
    ("gp_weight nan", lambda: _trainer(gp_weight=float("nan")), ValueError, "got nan"),
    ("betas one", lambda: _trainer(betas=(0.5,)), ValueError,
     "betas must be two numbers in [0, 1)"),
    ("betas 1.0", lambda: _trainer(betas=(0.5, 1.0)), ValueError, "got (0.5, 1.0)"),
    ("betas str", lambda: _trainer(betas="0.9"), ValueError, "betas must be two numbers"),
    ("betas negative", lambda: _trainer(betas=(-0.1, 0.9)), ValueError, "betas must be two"),
    ("sample_real tensor", lambda: _trainer(torch.randn(10, 1)), ValueError,
     "sample_real must be a function batch_size -> x or (x, *cond), got a Tensor"),
    ("sample_real tensor hint", lambda: _trainer(torch.randn(10, 1)), ValueError,
     "ganbook.core.data.TensorSampler"),
    ("sample_real list", lambda: _trainer([1.0, 2.0]), ValueError, "got a list"),
    ("adv_weight -1", lambda: _trainer(adv_weight=-1), ValueError,
     "adv_weight must be a number >= 0"),
    ("batch_size 0", lambda: _trainer(batch_size=0), ValueError,
     "batch_size must be a positive int"),
    ("lr_d 0", lambda: _trainer(lr_d=0.0), ValueError, "lr_d must be a positive finite number"),
    ("lr_g inf", lambda: _trainer(lr_g=float("inf")), ValueError, "lr_g must be a positive finite"),
    ("clip_g -1", lambda: _trainer(clip_g=-1.0), ValueError, "clip_g must be a positive finite"),
    ("g_steps 0", lambda: _trainer(g_steps=0), ValueError, "g_steps must be a positive int"),
    ("ema_decay 1.5", lambda: _trainer(ema_decay=1.5), ValueError, "ema_decay must be in (0, 1)"),
    ("loss bogus", lambda: _trainer(loss="bogus"), ValueError, "unknown loss 'bogus'"),
    ("terms str", lambda: _trainer(terms=["l1"]), ValueError,
     "terms must be ganbook.core.losses.Term"),
    ("d_sees_input alone", lambda: _trainer(d_sees_input=True), ValueError,
     "d_sees_input=True needs paired=True"),
    ("checkpoint_every no path", lambda: _trainer(checkpoint_every=5), ValueError,
     "checkpoint_every needs checkpoint_path"),
    ("sync_every 0", lambda: _trainer(sync_every=0), ValueError,
     "sync_every must be a positive int"),
    # -- the Trainer, at fit
    ("sample_real numpy", _fit(lambda n: np.zeros((n, 1), np.float32)), ValueError,
     "sample_real(8) must return a tensor or a tuple (x, *cond) of tensors, got ndarray"),
    ("sample_real numpy hint", _fit(lambda n: np.zeros((n, 1))), ValueError, "torch.as_tensor"),
    ("sample_real None", _fit(lambda n: None), ValueError, "got NoneType"),
    ("sample_real tuple numpy", _fit(lambda n: (torch.zeros(n, 1), np.zeros(n))), ValueError,
     "got Tensor, ndarray"),
    ("callbacks [print]", _fit(callbacks=[print]), ValueError,
     "each entry of callbacks must be a pair (every, function)"),
    ("callbacks print", _fit(callbacks=print), ValueError, "callbacks must be a list of"),
    ("callbacks not callable", _fit(callbacks=[(1, 2)]), ValueError, "got (1, 2)"),
    ("callback every 0", _fit(callbacks=[(0, print)]), ValueError,
     "callback interval must be a positive int"),
    ("fit 0 steps", _fit(steps=0), ValueError, "steps must be a positive int, got 0"),
    ("generate 0", lambda: _trainer().generate(0), ValueError, "n must be a positive int"),
    ("paired one tensor", lambda: _trainer(paired=True, latent_dim=2).fit(1, progress=False),
     ValueError, "with paired=True, sample_real must return (input, target, *cond)"),
    # -- captions and descriptions
    ("caption empty", _captions(""), ValueError,
     "texts[0] = '' has no word the vocabulary knows (no words at all)"),
    ("caption unicode", _captions("a seven", "猫の絵"), ValueError,
     "texts[1] = '猫の絵' has no word"),
    ("caption unicode words", _captions("猫の絵"), ValueError, "unknown: 猫, の, 絵"),
    ("caption punctuation only", _captions(", ."), ValueError, "no words at all"),
    ("caption all unknown", _captions("purple elephant"), ValueError,
     "unknown: purple, elephant); it knows"),
    ("caption mostly unknown", _captions("a purple elephant"), UserWarning,
     "texts[0] = 'a purple elephant' (unknown: purple, elephant)"),
    ("caption one str", _one_str, TypeError, "texts must be a sequence of captions, not one str"),
    ("caption max_len", _captions("a thick seven", max_len=2), ValueError,
     "max_len=2 is too short: the longest caption needs 4"),
    ("caption text not str", _call("ganbook.text.caption", "caption_tokens", 7), TypeError,
     "text must be a str, got int"),
    ("caption encoder out_dim", _call("ganbook.text.caption", "CaptionEncoder", 10, out_dim=0),
     ValueError, "out_dim must be a positive int"),
    ("music description unknown", _captions("a purple elephant", music=True), UserWarning,
     "unknown: purple, elephant"),
    ("music description empty", _captions("   ", music=True), ValueError, "no words at all"),
    # -- text data
    ("load_names max_len 0", _call("ganbook.text.data", "load_names", max_len=0), ValueError,
     "max_len must be a positive int, got 0"),
    ("load_names max_len 1", _call("ganbook.text.data", "load_names", max_len=1), ValueError,
     "no first name has at most max_len=1 letters"),
    ("load_names kind", _call("ganbook.text.data", "load_names", "middle"), ValueError,
     "kind must be one of ['first', 'last'], got 'middle'"),
    ("split one text", _call("ganbook.text.data", "split", ["ann"], 0.1), ValueError,
     "heldout=0.1 of 1 texts holds out 0"),
    ("split nothing to train", _call("ganbook.text.data", "split", ["ann", "bob"], 0.9),
     ValueError, "leaving 0 to train on"),
    ("split empty", _call("ganbook.text.data", "split", [], 0.5), ValueError, "of 0 texts"),
    ("split heldout 1.5", _call("ganbook.text.data", "split", ["a", "b"], 1.5), ValueError,
     "heldout must be in (0, 1), got 1.5"),
    ("split one str", _call("ganbook.text.data", "split", "ann", 0.5), TypeError,
     "texts must be a sequence of texts, not one str"),
    ("load_words min_len", _call("ganbook.text.data", "load_words", 0), ValueError,
     "need 0 < min_len <= max_len"),
    ("vocab level", _call("ganbook.text.vocab", "Vocab", ["a"], "byte"), ValueError,
     "level must be 'char' or 'word', got 'byte'"),
    ("vocab empty", _call("ganbook.text.vocab", "Vocab", []), ValueError,
     "tokens must contain at least one ordinary token"),
    ("temperature 0", _call("ganbook.text.sampling", "sample_logits", torch.zeros(2, 3),
                            torch.rand(2), 0.0), ValueError,
     "temperature must be a positive finite number"),
    # -- music requests
    ("pace -1", _attributes(pace=-1), ValueError,
     "pace must hold indices in [0, 3) into ('slow', 'steady', 'busy'), got [-1]"),
    ("pace -1 in an array", _attributes(np.zeros(3, int), np.array([0, -1, 2]), np.zeros(3, int)),
     ValueError, "pace must hold indices in [0, 3)"),
    ("mode 2", _attributes(mode=2), ValueError, "mode must hold indices in [0, 2)"),
    ("register 3", _attributes(register=3), ValueError, "register must hold indices in [0, 3)"),
    ("pace float", _attributes(pace=1.5), ValueError, "pace must be a 1-D array of ints"),
    ("mode bool", _attributes(mode=True), ValueError, "mode must be a 1-D array of ints"),
    ("attribute lengths", _attributes(np.zeros(2, int), np.zeros(3, int), np.zeros(2, int)),
     ValueError, "must have one entry per window each, got lengths 2, 3 and 2"),
    ("phrasing 9", _call("ganbook.music.describe", "describe_windows", _attributes()(), 9),
     ValueError, "phrasing must lie in [0, 6), got 9"),
    ("onset shape", _call("ganbook.music.describe", "note_density", np.zeros((2, 4, 5)),
                          np.zeros((2, 4, 5))), ValueError, "onset must have shape (N, 4, T)"),
    # -- super-resolution
    ("sr 0-255 float", _super_resolve(torch.rand(2, 3, 4, 4) * 255), ValueError,
     "lr must hold values in [-1, 1], got values in ["),
    ("sr 0-255 hint", _super_resolve(torch.full((1, 3, 4, 4), 200.0)), ValueError,
     "v / 127.5 - 1"),
    ("sr uint8", _super_resolve(torch.full((1, 3, 4, 4), 200, dtype=torch.uint8)), ValueError,
     "lr must be a floating-point tensor in [-1, 1], got dtype torch.uint8"),
    ("sr empty batch", _super_resolve(torch.zeros(0, 3, 4, 4)), ValueError,
     "lr must hold at least one image of at least 1x1 pixel, got shape (0, 3, 4, 4)"),
    ("sr 0x0", _super_resolve(torch.zeros(1, 3, 0, 0)), ValueError, "got shape (1, 3, 0, 0)"),
    ("sr nan", _super_resolve(torch.full((1, 3, 4, 4), float("nan"))), ValueError,
     "lr must hold finite values in [-1, 1], got NaN or inf"),
    ("sr 3-d", _super_resolve(torch.zeros(3, 4, 4)), ValueError,
     "lr must be a tensor of images (N, C, H, W), got (3, 4, 4)"),
    ("sr numpy", _super_resolve(np.zeros((1, 3, 4, 4))), ValueError, "got ndarray"),
    ("sr batch_size 0", _super_resolve(torch.zeros(1, 3, 4, 4), batch_size=0), ValueError,
     "batch_size must be a positive int"),
    ("sr factor 3", _call(APP + "super_resolution", "SRPatches", factor=3),
     ValueError, "factor must be a power of two >= 2, got 3"),
    ("downsample factor 4 of 6 px", _call("ganbook.image.resample", "downsample",
                                           torch.zeros(1, 3, 6, 6), 4),
     ValueError, "images' H and W (6, 6) must be multiples of factor=4"),
    ("resize mode", _call("ganbook.image.resample", "resize", torch.zeros(1, 1, 4, 4), (8, 8),
                          "area"),
     ValueError, "mode must be one of ('nearest', 'bilinear', 'bicubic'), got 'area'"),
    ("sr picture name", _call(APP + "super_resolution", "load_picture", 5), ValueError,
     "name must be a picture name"),
    # -- inpainting
    ("mask 255", _masked(_HOLE * 255), ValueError,
     "mask (1 = missing) must hold values in [0, 1], got values in [0, 255]"),
    ("mask nan", _masked(_HOLE * float("nan")), ValueError,
     "mask (1 = missing) must hold finite values in [0, 1], got NaN or inf"),
    ("mask negative", _masked(-_HOLE), ValueError, "got values in [-1, 0]"),
    ("mask 3 channels", _masked(_HOLE.repeat(1, 3, 1, 1)), ValueError,
     "mask (1 = missing) must be a tensor of images (N, 1, H, W), got (2, 3, 8, 8)"),
    ("mask other size", _masked(_HOLE[:, :, :4]), ValueError,
     "must have the images' N, H and W"),
    ("images 3-d", _masked(_HOLE, torch.zeros(2, 8, 8)), ValueError,
     "images must be a tensor of images (N, C, H, W), got (2, 8, 8)"),
    ("hole too big", _call(APP + "inpainting", "square_mask", 2, 8, 8), ValueError,
     "hole must be a side (or sides) in 1..7, got 8"),
    ("mask position", _call(APP + "inpainting", "square_mask", 2, 8, 2, "corner"),
     ValueError, "position must be 'center' or 'random', got 'corner'"),
    ("mask coverage", _call(APP + "inpainting", "random_mask", 2, 8, 1.5), ValueError,
     "coverage must be a share in (0, 1), got 1.5"),
    ("inversion prior", _call(APP + "inpainting", "invert_generator", None,
                              torch.zeros(2, 1, 8, 8), _HOLE, prior=-1), ValueError,
     "prior must be a number >= 0"),
    ("inversion lr", _call(APP + "inpainting", "invert_generator", None,
                           torch.zeros(2, 1, 8, 8), _HOLE, lr=0), ValueError,
     "lr must be a positive finite number"),
    ("inversion mask 255", _call(APP + "inpainting", "invert_generator", None,
                                 torch.zeros(2, 1, 8, 8), _HOLE * 255), ValueError,
     "must hold values in [0, 1]"),
    ("pairs mask_fn", _call(APP + "inpainting", "InpaintingPairs", torch.zeros(2, 1, 8, 8),
                            3), ValueError, "mask_fn must be a function n -> masks"),
    # -- image translation, losses
    ("thicken radius 0", _call(APP + "cyclegan", "thicken", torch.zeros(1, 1, 8, 8), 0),
     ValueError, "radius must be an int >= 1, got 0"),
    ("reconstruction -1", _call("ganbook.core.losses", "Reconstruction", -1.0), ValueError,
     "weight must be a number >= 0"),
    ("reconstruction inf", _call("ganbook.core.losses", "Reconstruction", float("inf")), ValueError,
     "weight must be a number >= 0 (finite), got inf"),
]


@pytest.mark.parametrize("call, kind, phrase", [row[1:] for row in BAD_INPUTS],
                         ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_gets_a_clear_message(call, kind, phrase):
    if issubclass(kind, Warning):
        with pytest.warns(kind) as caught:
            call()
        assert any(phrase in str(w.message) for w in caught), [str(w.message) for w in caught]
        return
    with pytest.raises(kind) as err:
        call()
    assert phrase in str(err.value), str(err.value)


def test_the_table_has_sixty_rows_with_distinct_ids():
    ids = [row[0] for row in BAD_INPUTS]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)


def test_a_usable_caption_with_a_few_unknown_words_passes_silently():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _captions("a thick seven leaning left", "a purple seven")()  # 1 of 5, 1 of 3 unknown
