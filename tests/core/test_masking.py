import pytest

from sunlit.core.masking import mask_id_number, mask_mobile, mask_name, mask_plate


@pytest.mark.parametrize(("name", "masked"), [
    ("张三", "张*"), ("张小三", "张*三"), ("欧阳小明", "欧**明"), ("王", "*"), ("", ""),
    (" 李四 ", "李*"),
])
def test_names_keep_only_first_and_last_character(name, masked):
    assert mask_name(name) == masked


def test_mobile_shows_prefix_and_last_four():
    assert mask_mobile("13812341234") == "138****1234"
    assert mask_mobile("138 1234 1234") == "138****1234"


def test_id_number_shows_at_most_the_last_four():
    masked = mask_id_number("110101199003071234")
    assert masked.endswith("1234") and masked.count("*") == 14
    assert mask_id_number("1234") == "****"


def test_plate_hides_the_middle():
    assert mask_plate("京A12345") == "京A***45"
