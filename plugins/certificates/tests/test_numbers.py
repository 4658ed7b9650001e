"""Certificate numbers: short enough to type, impossible to guess, and a typo is
caught by the check character before anything is looked up."""

import secrets

from lms_certificates import numbers


def sample_bodies(count=300):
    return ["".join(secrets.choice(numbers.ALPHABET) for _ in range(numbers.RANDOM_LENGTH)) for _ in range(count)]


def test_a_number_reads_like_LMS_7K3F_9QXZ_4M():
    number = numbers.generate()
    prefix, first, second, last = number.split("-")
    assert prefix == "LMS" and len(first) == len(second) == 4 and len(last) == 2
    assert set(first + second + last) <= set(numbers.ALPHABET)
    assert numbers.parse(number).check_ok


def test_every_single_mistyped_character_is_caught():
    for body in sample_bodies():
        characters = body + numbers.check_character(body)
        assert numbers.is_consistent(characters)
        for position, original in enumerate(characters):
            for typo in numbers.ALPHABET.replace(original, ""):
                mistyped = characters[:position] + typo + characters[position + 1 :]
                assert not numbers.is_consistent(mistyped), (characters, mistyped)


def test_every_swap_of_two_neighbouring_characters_is_caught():
    for body in sample_bodies():
        characters = body + numbers.check_character(body)
        for position in range(len(characters) - 1):
            a, b = characters[position], characters[position + 1]
            if a != b:
                swapped = characters[:position] + b + a + characters[position + 2 :]
                assert not numbers.is_consistent(swapped), (characters, swapped)


def test_what_people_type_is_read_forgivingly():
    number = numbers.generate()
    body = number.replace("-", "")[3:]
    typed_variants = [
        number.lower(),
        f"  {number}  ",
        body,
        " ".join(number.split("-")),
        number.replace("0", "o").replace("1", "l"),
    ]
    for typed in typed_variants:
        parsed = numbers.parse(typed)
        assert parsed.canonical == number and parsed.check_ok, typed


def test_text_that_is_not_a_number_is_malformed_not_an_error():
    for typed in ("", "LMS-", "LMS-7K3F-9QXZ", "LMS-7K3F-9QXZ-4M-1", "LMS-UUUU-UUUU-UU", "<script>", "x" * 500):
        parsed = numbers.parse(typed)
        assert not parsed.well_formed and not parsed.check_ok


def test_numbers_come_from_a_csprng_and_do_not_repeat_or_follow_each_other():
    issued = [numbers.generate() for _ in range(5000)]
    assert len(set(issued)) == len(issued)
    # neighbours share no structure: as many differing positions as chance gives
    differing = [sum(a != b for a, b in zip(x, y)) for x, y in zip(issued, issued[1:])]
    assert sum(differing) / len(differing) > 8
