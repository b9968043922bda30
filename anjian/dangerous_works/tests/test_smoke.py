from anjian.dangerous_works import workflow
from anjian.dangerous_works.testing import step, work_objects


def test_excavation_walks_to_completion(world):
    objs = work_objects(world)
    work = objs["building"]
    assert work.level == "super"
    assert work.status == workflow.IN_PROGRESS
    assert work.argumentations.get().verdict == "passed"
    work = step(work, world, workflow.REQUEST_ACCEPTANCE)
    work = step(work, world, workflow.ACCEPT)
    work = step(work, world, workflow.COMPLETE)
    assert work.status == workflow.COMPLETED
