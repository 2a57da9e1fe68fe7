"""A grade as JUnit XML, for CI systems that show test reports: a test suite per kata, a test case per task.

A task that earns its points passes; one that does not fails with its first failing test's message; a task whose
dataset is missing is an error (it was not graded, and earned nothing); a task that needs a GPU absent here is
skipped. Points go in each suite's ``<properties>`` (pytest's xunit2 schema allows none inside a test case). An
invalid grade adds a suite ``tamper check`` whose one case fails with the problems.
"""

from __future__ import annotations

from xml.etree import ElementTree

from katas.classroom.grade import DATA_MISSING, EARNED, NEEDS_GPU, Grade, TaskGrade


def junit_xml(grade: Grade) -> str:
    suites = ElementTree.Element("testsuites", name="katas grade")
    for kata in grade.katas:
        suite = ElementTree.SubElement(suites, "testsuite", name=kata.kata)
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (("points", kata.points), ("max_points", kata.max_points)):
            ElementTree.SubElement(properties, "property", name=name, value=str(value))
        for task in kata.tasks:
            _case(suite, kata.kata, task)
        _count(suite)
    if not grade.valid:
        suite = ElementTree.SubElement(suites, "testsuite", name="tamper check")
        case = ElementTree.SubElement(suite, "testcase", classname="katas grade", name="the grade is valid")
        failure = ElementTree.SubElement(case, "failure", message="the grade is not valid")
        failure.text = "\n".join(grade.problems)
        _count(suite)
    _count(suites)
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _case(suite: ElementTree.Element, kata: str, task: TaskGrade) -> None:
    case = ElementTree.SubElement(suite, "testcase", classname=kata, name=f"Task {task.task}: {task.title}")
    if task.status == EARNED:
        return
    if task.status == NEEDS_GPU:
        ElementTree.SubElement(case, "skipped", message="needs a GPU, and this machine has none: not graded here")
        return
    failure = task.first_failure
    tag = "error" if task.status == DATA_MISSING else "failure"
    message = failure.message if failure else "no test of this task ran"
    element = ElementTree.SubElement(case, tag, message=message.splitlines()[0] if message else task.status)
    element.text = f"{failure.id}\n{message}" if failure else message


def _count(element: ElementTree.Element) -> None:
    """The tests, failures, errors and skipped attributes of a suite (or of all suites), from its cases."""
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    for tag, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        element.set(attribute, str(sum(case.find(tag) is not None for case in cases)))
