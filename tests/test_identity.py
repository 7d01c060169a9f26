from __future__ import annotations

import pytest

from isecg_events import identity


def test_a_lone_surrogate_is_refused_as_the_standard_library_refuses_it() -> None:
    with pytest.raises(UnicodeEncodeError):
        identity.derive_guid("lone \ud800 surrogate")


def test_derived_guids_keep_their_values() -> None:
    # Feeds and apps key on these: the same text gives the same guid in every version.
    assert str(identity.derive_guid("glex2017", "opening")) == (
        "7d5f5e6a-18e6-5cbb-8181-e5b0fe397963"
    )
    assert str(identity.derive_guid("glex2017", "room", "Hall 2")) == (
        "1a1cb7fd-bd82-5aa2-9c97-eef6014ccc82"
    )
