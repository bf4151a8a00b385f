"""classify.calibration: probabilities, log loss, ECE, and the power calibration
recovering a known distortion."""
import numpy as np
import pytest

from textembed.classify.calibration import (PowerCalibration, expected_calibration_error,
                                            log_loss, probabilities, sigmoid, softmax)


def test_softmax_sigmoid_and_log_loss_literal():
    z = np.array([[0.0, np.log(3.0)], [1000.0, 0.0]])
    np.testing.assert_allclose(softmax(z), [[0.25, 0.75], [1.0, 0.0]])
    assert sigmoid(np.array([0.0]))[0] == 0.5
    assert log_loss(z, np.array([1, 0]), False) == pytest.approx(-np.log(0.75) / 2)
    targets = np.array([[0, 1], [1, 0]], dtype=bool)
    expected = -(np.log(0.5) + np.log(sigmoid(np.log(3.0))) + 0.0 + np.log(sigmoid(-0.0)))
    z_multi = np.array([[0.0, np.log(3.0)], [1000.0, 0.0]])
    assert log_loss(z_multi, targets, True) == pytest.approx(expected / 2)
    assert log_loss(z, np.array([1, 0]), False, weight=np.array([1.0, 0.0])) == pytest.approx(
        -np.log(0.75))
    np.testing.assert_allclose(probabilities(z, True), sigmoid(z))


def test_expected_calibration_error_literal():
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.55, 0.45], [0.55, 0.45]])
    # bin of 0.95: accuracy 1/2; bin of 0.55: accuracy 1/2
    assert expected_calibration_error(probs, np.array([0, 1, 0, 1])) == pytest.approx(
        0.5 * 0.45 + 0.5 * 0.05)


def _sample(n, distortion, seed=0):
    """Logits whose true probabilities are softmax(u) for centred u, shown distorted."""
    rng = np.random.default_rng(seed)
    margin = rng.normal(0.0, 2.0, n)
    u = np.stack([-margin / 2, margin / 2], axis=1)
    y = (rng.random(n) < sigmoid(margin)).astype(np.int64)
    return distortion(u), u, y


@pytest.mark.parametrize("scale, power", [(3.0, 1.0), (0.5, 1.0), (2.0, 1.6)])
def test_power_calibration_undoes_a_power_distortion(scale, power):
    # shown = sign(u) |u / scale| ** (1 / power): calibration must map it back to u
    shown, u, y = _sample(20000, lambda u: np.sign(u) * np.abs(u / scale) ** (1 / power))
    calibration = PowerCalibration().fit(shown, y)
    assert calibration.power == pytest.approx(power, rel=0.1)
    np.testing.assert_allclose(calibration.transform(shown), u, atol=0.35)
    assert log_loss(calibration.transform(shown), y, False) < log_loss(shown, y, False)


def test_identity_until_fitted_and_config_round_trip():
    z = np.array([[1.0, 3.0, 2.0]])
    np.testing.assert_allclose(PowerCalibration().transform(z), z - 2.0)
    np.testing.assert_allclose(PowerCalibration(multilabel=True).transform(z), z)
    fitted = PowerCalibration(scale=0.7, power=0.8)
    again = PowerCalibration(**fitted.get_config())
    np.testing.assert_array_equal(again.transform(z), fitted.transform(z))


def test_reliability_bins_and_their_ece():
    from textembed.classify.calibration import expected_calibration_error, reliability
    rng = np.random.default_rng(3)
    probs = rng.dirichlet([1, 1, 1], 400)
    y = rng.integers(0, 3, 400)
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == y
    r = reliability(confidence, correct, bins=10)
    assert r["count"].sum() == 400 and r["edges"].tolist() == pytest.approx(
        np.linspace(0, 1, 11).tolist())
    for b in range(10):
        inside = (confidence >= b / 10) & (confidence < (b + 1) / 10)
        assert r["count"][b] == inside.sum()
        if inside.any():
            assert r["accuracy"][b] == pytest.approx(correct[inside].mean())
            assert r["confidence"][b] == pytest.approx(confidence[inside].mean())
        else:
            assert np.isnan(r["accuracy"][b])
    assert r["ece"] == pytest.approx(expected_calibration_error(probs, y, bins=10))
