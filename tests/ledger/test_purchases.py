"""helpers.ledger.purchases.habitual_channels: each customer's most used order channel, by
distinct sales orders, ties to the channel first in order."""

from __future__ import annotations

import pandas as pd

from helpers.ledger.purchases import habitual_channels


def test_ties_go_to_the_channel_first_in_order_and_orders_count_once() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B"],
            "channel": ["web", "web", "phone", "phone", "web"],
            "order_id": ["O1", "O1", "O2", "O3", "O4"],  # web: 1 order on 2 lines; phone: 2
            "is_return": [False, False, False, True, False],  # O3 is a return: phone 1
        }
    )
    assert habitual_channels(frame).to_dict() == {"A": "phone", "B": "web"}


def test_without_channels_it_is_empty() -> None:
    frame = pd.DataFrame({"customer_id": ["A"], "order_id": ["O1"], "is_return": [False]})
    assert habitual_channels(frame).empty
    assert habitual_channels(None).empty
