from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isecg_events import identity


@given(namespace=st.uuids(), name=st.text())
def test_uuid5_is_the_standard_librarys(namespace: uuid.UUID, name: str) -> None:
    ours = identity.uuid5(namespace, name)
    assert ours == uuid.uuid5(namespace, name)
    assert ours.version == 5 and ours.variant == uuid.RFC_4122
    assert str(ours) == str(uuid.uuid5(namespace, name))


@pytest.mark.parametrize("derive", [identity.uuid5, uuid.uuid5])
def test_uuid5_refuses_a_lone_surrogate_as_the_standard_library_does(
    derive: Callable[[uuid.UUID, str], uuid.UUID],
) -> None:
    with pytest.raises(UnicodeEncodeError):
        derive(identity.NAMESPACE, "lone \ud800 surrogate")


def test_derived_guids_keep_their_values() -> None:
    # Feeds and apps key on these: the same text gives the same guid in every version.
    assert str(identity.derive_guid("glex2017", "opening")) == (
        "7d5f5e6a-18e6-5cbb-8181-e5b0fe397963"
    )
    assert str(identity.derive_guid("glex2017", "room", "Hall 2")) == (
        "1a1cb7fd-bd82-5aa2-9c97-eef6014ccc82"
    )
